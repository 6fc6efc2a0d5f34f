import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'aw-cli-'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/alertworks.js', ...args], { env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('alertworks CLI', () => {
  it('check-config on a broken file exits 1 and names the file and the field', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'server:\n  port: 8080\nvolumeResize:\n  maxSizeGb: "lots"\nroutes:\n  - match: { alertname: X }\n    action: notify\n    sttus: firing\n',
    );
    const { code, stderr } = await cli('check-config', file);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}: invalid config:`);
    expect(stderr).toContain('routes[0]: Unrecognized key: "sttus"');
  });

  it('check-config on the shipped config exits 0', async () => {
    const { code, stdout } = await cli('check-config', 'config/alertworks.yaml');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^config\/alertworks\.yaml: OK \(\d+ routes, \d+ checks\)/);
  });

  it('refuses to start the receiver without auth unless --insecure-no-auth', async () => {
    const file = join(dir, 'noauth.yaml');
    writeFileSync(file, 'redis: { url: "redis://127.0.0.1:1" }\n');
    const { code, stderr } = await cli('serve', '--config', file);
    expect(code).toBe(1);
    expect(stderr).toContain('refusing to start the receiver without auth');
  });

  it('--help lists the roles and commands; an unknown command exits 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const word of ['serve', 'work', 'all', 'check-config']) expect(help.stdout).toContain(word);
    // Listed from the config fields' own marks: none is forgotten (the hand-written list lacked the last three).
    for (const name of ['HCLOUD_TOKEN', 'REDIS_SENTINEL_PASSWORD', 'ALERTMANAGER_URL', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'])
      expect(help.stdout).toContain(name);
    expect((await cli('frobnicate')).code).toBe(2);
  });
});
