import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { Queue } from 'bullmq';
import { createLogger } from '../../src/observability/logger.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { INTERACTIONS_QUEUE } from '../../src/slack/interaction-intake.js';
import { startInteractionWorker } from '../../src/slack/interaction-worker.js';
import { freePort, waitFor } from '../support/ports.js';
import { RedisNode } from '../support/redis-topologies.js';
import { RedisServer } from '../support/redis-server.js';
import { TestPki } from '../support/certs.js';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const PASSWORD = 'redis-requirepass-0123456789';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function queuesCli(env: Record<string, string>, command = 'queues'): Promise<CliResult> {
  return exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', command, '--json'], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', ALERTWORKS_CONFIG: 'config/alertworks.yaml', LOG_LEVEL: 'info', ...env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: CliResult) => e,
  );
}

/**
 * A password-protected redis-server that also listens with TLS: the password from
 * REDIS_PASSWORD or the URL works, rediss:// works, and the password never shows.
 */
describe('Redis with a password, and over TLS', () => {
  let redis: RedisNode;
  let tlsPort: number;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aw-auth-'));
    const pki = TestPki.create('redis tls');
    const leaf = pki.leaf({ commonName: '127.0.0.1', sans: ['127.0.0.1'], notBeforeDays: -1, notAfterDays: 30 });
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    writeFileSync(join(dir, 'server.pem'), leaf.chainPem);
    writeFileSync(join(dir, 'server.key'), leaf.keyPem);
    const port = await freePort();
    tlsPort = await freePort();
    const tls = [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.pem'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      caFile,
      '--tls-auth-clients',
      'no',
    ];
    redis = new RedisNode(
      port,
      dir,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD, ...tls],
      'redis-server',
      PASSWORD,
    );
    await redis.start();
  });

  afterAll(async () => {
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with rediss:// to the TLS port (CA trusted through NODE_EXTRA_CA_CERTS)', async () => {
    const result = await queuesCli({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_PASSWORD: PASSWORD, NODE_EXTRA_CA_CERTS: caFile });
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toContain('notify');
  });

  it.each([
    ['REDIS_PASSWORD', () => ({ REDIS_URL: `redis://${redis.address}`, REDIS_PASSWORD: PASSWORD })],
    ['the URL', () => ({ REDIS_URL: `redis://:${PASSWORD}@${redis.address}` })],
  ])('connects with the password from %s', async (_from, env) => {
    const result = await queuesCli(env());
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toContain('notify');
  });

  it('`alertworks audit` and the Slack interactions worker use the password from REDIS_PASSWORD too', async () => {
    const env = { REDIS_URL: `redis://${redis.address}`, REDIS_PASSWORD: PASSWORD };
    const audit = await queuesCli(env, 'audit');
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual([]);

    const config = parseConfig(`redis: { url: "redis://${redis.address}", password: "${PASSWORD}" }\n`, 'auth.yaml', {});
    const logger = createLogger({ level: 'silent' });
    const client = createRedis(config.redis, 'worker');
    await waitForRedis(client, 5_000);
    const notifier = new LogNotifier(logger, '#ops');
    const worker = startInteractionWorker({ config, redis: client, threads: new IncidentThreads(client, notifier, config.redis.prefix), notifier, logger });
    const queue = new Queue(INTERACTIONS_QUEUE, { connection: client, prefix: config.redis.prefix });
    try {
      const click = { buttonId: 'b'.repeat(32), user: { id: 'U0NOBODY', name: 'nobody' } };
      const job = await queue.add('click', { click, receivedAt: Date.now(), via: 'http' }, { jobId: 'click-auth-test' });
      await waitFor('the click to be worked', async () => (await queue.getJobState(job.id!)) === 'completed', 10_000);
      expect((await queue.getJob(job.id!))?.returnvalue).toEqual({ outcome: 'unknown_button' });
    } finally {
      await worker.close({ force: true });
      await queue.close();
      client.disconnect();
    }
  });

  it('a wrong password fails saying Redis refused it (not "not reachable"), naming Redis but showing no password', async () => {
    const wrong = 'wrong-password-9876543210';
    const result = await queuesCli({ REDIS_URL: `redis://:${wrong}@${redis.address}`, REDIS_PASSWORD: PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `alertworks queues: Redis at redis://${redis.address} (from REDIS_URL) refused alertworks' credentials (WRONGPASS invalid username-password pair`,
    );
    expect(result.stderr).toContain('check REDIS_PASSWORD or the password in the Redis URL');
    expect(result.stderr).not.toContain('not reachable');
    expect(result.stderr).not.toContain(wrong);
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it('no password where Redis asks for one: says so (NOAUTH), not "not reachable"', async () => {
    const result = await queuesCli({ REDIS_URL: `redis://${redis.address}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Redis at redis://${redis.address} (from REDIS_URL) refused alertworks' credentials (NOAUTH Authentication required.)`);
    expect(result.stderr).not.toContain('not reachable');
  });

  it('the service started with a wrong password warns that Redis refused it, and /readyz says 503', async () => {
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const wrong = 'wrong-password-for-the-service';
    const config = parseConfig(`redis: { url: "redis://:${wrong}@${redis.address}" }\nserver: { host: 127.0.0.1, port: 0 }\n`, 'auth.yaml', {});
    const started = Date.now();
    const service = await run({ role: 'serve', config, insecureNoAuth: true, logger });
    try {
      // Refused at the first answer, not after the 10 s wait for an unreachable Redis.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await fetch(`http://127.0.0.1:${service.port}/readyz`)).status).toBe(503);
    } finally {
      await service.stop();
    }
    const warn = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('refused'));
    expect(warn?.level).toBe(40);
    expect(warn?.msg).toContain("Redis refused alertworks' credentials (WRONGPASS");
    expect(warn?.msg).toContain('starting anyway, /readyz says 503 until it is ready');
    expect(lines.join('\n')).not.toContain(wrong);
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

describe('a password given to a Redis that asks for none', () => {
  it('is not taken for a refusal: Redis warns, the connection is used', async () => {
    const server = await RedisServer.start();
    try {
      const result = await queuesCli({ REDIS_URL: server.url, REDIS_PASSWORD: 'a-password-nobody-asked-for' });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('refused');
      expect(Object.keys(JSON.parse(result.stdout) as object)).toContain('notify');
    } finally {
      await server.destroy();
    }
  });
});
