import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { freePort } from '../support/ports.js';
import { RedisNode } from '../support/redis-topologies.js';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const PASSWORD = 'redis-requirepass-0123456789';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function queuesCli(env: Record<string, string>): Promise<CliResult> {
  return exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'queues', '--json'], { cwd: repo, env: { PATH: process.env.PATH ?? '', ALERTWORKS_CONFIG: 'config/alertworks.yaml', LOG_LEVEL: 'info', ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: CliResult) => e,
  );
}

/** A password-protected redis-server: the password from REDIS_PASSWORD or the URL works, and never shows. */
describe('Redis with a password', () => {
  let redis: RedisNode;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aw-auth-'));
    const port = await freePort();
    redis = new RedisNode(port, dir, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD], 'redis-server', PASSWORD);
    await redis.start();
  });

  afterAll(async () => {
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['REDIS_PASSWORD', () => ({ REDIS_URL: `redis://${redis.address}`, REDIS_PASSWORD: PASSWORD })],
    ['the URL', () => ({ REDIS_URL: `redis://:${PASSWORD}@${redis.address}` })],
  ])('connects with the password from %s', async (_from, env) => {
    const result = await queuesCli(env());
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toContain('notify');
  });

  it('a wrong password fails with a message that names Redis but shows no password', async () => {
    const wrong = 'wrong-password-9876543210';
    const result = await queuesCli({ REDIS_URL: `redis://:${wrong}@${redis.address}`, REDIS_PASSWORD: PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Redis at redis://${redis.address}`);
    expect(result.stderr).not.toContain(wrong);
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it('the service logs where Redis is, never the password, and is ready', async () => {
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const config = parseConfig(`redis: { url: "redis://:${PASSWORD}@${redis.address}" }\nserver: { host: 127.0.0.1, port: 0 }\n`, 'auth.yaml', {});
    const service = await run({ role: 'all', config, insecureNoAuth: true, logger });
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      await service.stop();
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
