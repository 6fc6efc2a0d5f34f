import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { RedisServer } from '../support/redis-server.js';

const exec = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/alertworks.js', ...args], { env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('alertworks audit', () => {
  let server: RedisServer;
  let redis: Redis;
  let file: string;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = createRedis(server.url, 'worker');
    await waitForRedis(redis, 5_000);
    file = join(mkdtempSync(join(tmpdir(), 'aw-audit-')), 'alertworks.yaml');
    writeFileSync(file, `redis: { url: "${server.url}" }\n`);
    const audit = new AuditTrail(redis, '{alertworks}');
    await audit.record({
      kind: 'received',
      action: 'receiver',
      route: 'volume-resize',
      sender: 'alertworks',
      summary: 'VolumeUsageCritical (firing) from alertworks → volume-resize',
    });
    await audit.record({
      kind: 'resized',
      action: 'volume-resize',
      resource: 'volume 4711',
      summary: 'volume-resize: resized (volume 4711) 20 → 30 GB',
      links: { hetznerAction: '17', pr: 'https://github.example/acme/infra/pull/3' },
    });
  });
  afterAll(async () => {
    await redis.quit();
    await server.destroy();
  });

  it('prints the last hour oldest first, one line each with links', async () => {
    const { code, stdout } = await cli('audit', '--since', '1h', '--config', file);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z received +receiver +- — VolumeUsageCritical/);
    expect(lines[1]).toContain(
      'resized          volume-resize  volume 4711 — volume-resize: resized (volume 4711) 20 → 30 GB [hetznerAction=17 pr=https://github.example/acme/infra/pull/3]',
    );
  });

  it('--json filters by action and prints records newest first', async () => {
    const { code, stdout } = await cli('audit', '--since', '1h', '--action', 'volume-resize', '--json', '--config', file);
    expect(code).toBe(0);
    const records = JSON.parse(stdout) as { kind: string; links: Record<string, string> }[];
    expect(records.map((r) => [r.kind, r.links.pr])).toEqual([['resized', 'https://github.example/acme/infra/pull/3']]);
  });

  it('--stream reads the decisions or the routine records alone, and exits 2 naming a bad one', async () => {
    const decisions = await cli('audit', '--since', '1h', '--stream', 'decisions', '--json', '--config', file);
    expect((JSON.parse(decisions.stdout) as { kind: string }[]).map((r) => r.kind)).toEqual(['resized']);
    const routine = await cli('audit', '--since', '1h', '--stream', 'routine', '--json', '--config', file);
    expect((JSON.parse(routine.stdout) as { kind: string }[]).map((r) => r.kind)).toEqual(['received']);
    const bad = await cli('audit', '--stream', 'everything', '--config', file);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'alertworks audit: stream: "everything" is neither decisions nor routine']);
  });

  it('exits 2 naming a bad --since', async () => {
    const { code, stderr } = await cli('audit', '--since', 'lately', '--config', file);
    expect([code, stderr.trim()]).toEqual([2, 'alertworks audit: since/until: "lately" is neither a duration (1h, 30m) nor a time (ISO 8601 or epoch ms)']);
  });
});
