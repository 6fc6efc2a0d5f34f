import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');

describe('work role listener and `alertworks queues`', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  const configFor = (port: number) => parseConfig(`server: { port: ${port}, host: 127.0.0.1 }\nredis: { url: "${redis.url}" }\n`, 'work.yaml', {});

  it('serves /healthz, /readyz and /metrics in the work role, and no webhook or UI', async () => {
    const service = await run({ role: 'work', config: configFor(0) });
    try {
      const base = `http://127.0.0.1:${service.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('alertworks_queue_jobs{queue="notify",state="waiting"}');
      expect((await fetch(`${base}/hooks/alertmanager`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${base}/status`)).status).toBe(404);
    } finally {
      await service.stop();
    }
  });

  it('runs the workers without the listener when its port is taken (serve on the same host)', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const service = await run({ role: 'work', config: configFor(port) });
      expect(service.port).toBeUndefined();
      await service.stop();
    } finally {
      blocker.close();
    }
  });

  it('prints job counts by state per queue', async () => {
    const queue = new Queue('notify', { connection: { url: redis.url }, prefix: '{alertworks}' });
    await queue.add('notify', { demo: true });
    await queue.add('notify', { demo: true }, { delay: 60_000 });
    await queue.close();
    const env = { ...process.env, REDIS_URL: redis.url, ALERTWORKS_CONFIG: 'config/alertworks.yaml' };
    const json = await exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'queues', '--json'], { cwd: repo, env });
    const counts = JSON.parse(json.stdout) as Record<string, Record<string, number>>;
    expect(counts.notify).toMatchObject({ waiting: 1, delayed: 1, active: 0, failed: 0 });
    expect(Object.keys(counts)).toEqual(expect.arrayContaining(['notify', 'volume-resize', 'tls-verify', 'checks']));
    const table = await exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'queues'], { cwd: repo, env });
    expect(table.stdout).toMatch(/^notify\s+1\s+0\s+1\s+0\s+0\s+0$/m);
  });

  it('exits 1 with a message naming Redis when it is unreachable', async () => {
    const env = { ...process.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    const err = await exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'queues'], { cwd: repo, env }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ \(from REDIS_URL\) is not reachable within 1\.5s/);
  });
});
