import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actions } from '../../actions/registry.js';
import { checkTypes } from '../../checks/registry.js';

const repo = resolve(import.meta.dirname, '../..');

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDemo(args: string[]): DemoRun {
  // node + tsx loader directly (not npm/npx), so signals reach the demo process itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, output: () => out, exited };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), res(true)));
    socket.once('error', () => res(false));
  });
}

/** Ports and the temp dir the demo printed, to prove they are gone afterwards. */
function leftovers(out: string) {
  return {
    redisPort: Number(out.match(/private Redis on redis:\/\/127\.0\.0\.1:(\d+)/)?.[1]),
    appPort: Number(out.match(/alertworks \(role all\) on http:\/\/127\.0\.0\.1:(\d+)/)?.[1]),
    tmp: out.match(/config (\/\S+)\/alertworks\.yaml/)?.[1] ?? '',
  };
}

// What this build can show: checks need the check runner (it registers alertworks_check_up).
const checksRun = async () => {
  await import('../../src/main.js');
  const { registry } = await import('../../src/observability/metrics.js');
  return registry.getSingleMetric('alertworks_check_up') !== undefined;
};
const has = {
  volumeResize: actions.some((a) => a.name === 'volume-resize'),
  http: checkTypes.some((t) => t.type === 'http'),
  tls: checkTypes.some((t) => t.type === 'tls'),
  tlsVerify: actions.some((a) => a.name === 'tls-verify'),
};

describe('npm run demo', () => {
  it('plays the flows within a minute with labelled stand-ins, says where to look, and cleans up', async () => {
    const demo = startDemo(['--exit-after-flows', '--timeout', '60']);
    const code = await demo.exited;
    const out = demo.output();
    expect(code, out).toBe(0);

    for (const label of ['[stand-in Slack]', '[stand-in Hetzner Cloud API]', '[stand-in GitHub API]', '[stand-in service]']) expect(out).toContain(label);
    expect(out).toContain('flow 1: alertworks answered 200');
    if (has.volumeResize) {
      expect(out).toMatch(/\[stand-in Slack\] #ops: .*volume .*4711/);
      expect(out).toMatch(/OK +VolumeUsageCritical -> resize: volume 4711 grew 40 -> \d+ GB/);
      expect(out).toMatch(/\[stand-in Hetzner Cloud API\] POST \/volumes\/4711\/actions\/resize \{"size":\d+\} -> 201/);
      expect(out).toMatch(/\[stand-in GitHub API\] POST \/repos\/acme\/infra\/actions\/workflows\/volume-resize\.yml\/dispatches .* -> 204/);
      expect(out).toMatch(/\[stand-in GitHub API\] POST \/repos\/acme\/infra\/pulls .* -> 201/);
    } else {
      expect(out).toMatch(/\[stand-in Slack\] #ops: .*VolumeUsageCritical/);
      expect(out).toMatch(/OK +VolumeUsageCritical -> resize: reported in Slack/);
    }
    const checks = await checksRun();
    expect(out).toMatch(checks && has.http ? /OK +failing check shop-api: DOWN/ : /SKIPPED failing check shop-api/);
    if (has.tlsVerify || (checks && has.tls)) expect(out).toMatch(/OK +expiring certificate shop\.demo\.internal: /);
    else expect(out).toMatch(/SKIPPED expiring certificate/);
    if (has.tlsVerify) expect(out).toContain('tls-verify: still_expiring');
    if (checks && has.tls) expect(out).toContain('check shop-cert: 5 days left');
    for (const path of ['/status', '/admin/queues', '/metrics']) expect(out).toMatch(new RegExp(`http://127\\.0\\.0\\.1:\\d+${path}`));

    const { redisPort, appPort, tmp } = leftovers(out);
    expect(out).toContain('everything stopped, temporary files removed.');
    expect(tmp).not.toBe('');
    expect(existsSync(tmp)).toBe(false);
    expect(await portOpen(redisPort)).toBe(false);
    expect(await portOpen(appPort)).toBe(false);
  }, 120_000);

  it('stops everything and removes its temporary files on Ctrl-C', async () => {
    const demo = startDemo([]);
    const deadline = Date.now() + 90_000;
    while (!demo.output().includes('Press Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const { redisPort, appPort, tmp } = leftovers(demo.output());
    expect(await portOpen(appPort)).toBe(true);
    expect(existsSync(tmp)).toBe(true);

    // The status page the demo points at shows what the flows did.
    const token = demo.output().match(/Authorization: Bearer ([0-9a-f]+)/)?.[1];
    const status = await (await fetch(`http://127.0.0.1:${appPort}/status`, { headers: { Authorization: `Bearer ${token}` } })).text();
    const row = (section: string, needle: string) =>
      status
        .slice(status.indexOf(`<section id="${section}">`))
        .split('\n')
        .find((l) => l.startsWith('<tr') && l.includes(needle)) ?? '';
    if (has.volumeResize) expect(row('volumes', '#4711')).toMatch(/data-col="size">50<.*data-col="lastResize">40 → 50 GB, /);
    if (await checksRun()) {
      if (has.http) expect(row('checks', 'shop-api')).toMatch(/data-col="state">DOWN<.*http_status/);
      if (has.tls) expect(row('certificates', 'shop.demo.internal')).toContain('data-col="daysLeft">5<');
    }

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toContain('[demo] Ctrl-C: stopping');
    expect(demo.output()).toContain('everything stopped, temporary files removed.');
    expect(existsSync(tmp)).toBe(false);
    expect(await portOpen(redisPort)).toBe(false);
    expect(await portOpen(appPort)).toBe(false);
  }, 120_000);
});
