import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { HetznerClient } from '../../src/hetzner/client.js';
import { REPO_ROOT } from '../support/checkout.js';
import { waitFor } from '../support/ports.js';

/** `npm run stand-ins` as an operator runs it: the printed environment reaches working stand-ins. */
describe('npm run stand-ins', () => {
  const proc = spawn('npm', ['run', 'stand-ins', '--', '--volume', '4711:data:40', '--volume', '7:logs:20'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const env = () => Object.fromEntries([...out.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));

  afterAll(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });

  it("prints the environment, and alertworks' own clients reach the stand-ins with it", async () => {
    await waitFor('the printed environment', () => out.includes('npm start\n'), 60_000, 100);
    const e = env();
    expect(Object.keys(e).sort()).toEqual([
      'DRY_RUN',
      'GITHUB_API_URL',
      'GITHUB_TOKEN',
      'HCLOUD_ENDPOINT',
      'HCLOUD_TOKEN',
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_CHANNEL',
    ]);

    const hetzner = new HetznerClient({ token: e.HCLOUD_TOKEN, endpoint: e.HCLOUD_ENDPOINT });
    expect((await hetzner.getVolume(4711)).size).toBe(40);
    expect((await hetzner.listVolumes({ name: 'logs' }))[0]?.id).toBe(7);

    const slack = await (await fetch(`${e.SLACK_API_URL}auth.test`, { method: 'POST', headers: { Authorization: `Bearer ${e.SLACK_BOT_TOKEN}` } })).json();
    expect(slack).toMatchObject({ ok: true });
    const repo = await fetch(`${e.GITHUB_API_URL}/repos/acme/infra/contents/terraform/volumes.tf`, { headers: { Authorization: `Bearer ${e.GITHUB_TOKEN}` } });
    expect(repo.status).toBe(200);
    const file = (await repo.json()) as { content: string };
    expect(Buffer.from(file.content, 'base64').toString()).toContain('resource "hcloud_volume" "logs"');

    // Each call is printed, labelled as a stand-in.
    await waitFor('the call log', () => out.includes('[stand-in Hetzner Cloud API] GET /volumes/4711'), 5_000, 50);
    expect(out).toContain('- { id: 7, name: logs,');
  });

  it('stops on SIGTERM through npm', async () => {
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('[stand-ins] SIGTERM: stopping');
  });
});
