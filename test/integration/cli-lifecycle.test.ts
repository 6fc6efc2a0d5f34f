import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { REPO_ROOT } from '../support/checkout.js';

const exec = promisify(execFile);
const TOKEN = 'cli-lifecycle-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'aw-cli-life-'));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/alertworks.js', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const config = (redisUrl: string, alertname: string) =>
  `server: { host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redisUrl}", prefix: "{life}" }\nroutes: [{ match: { alertname: ${alertname} }, action: notify }]\n`;

let fingerprint = 0;
async function post(base: string, alertname: string): Promise<{ accepted: number; unrouted: number }> {
  const alert = {
    status: 'firing',
    labels: { alertname },
    annotations: {},
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: `a${String(++fingerprint).padStart(15, '0')}`,
  };
  const res = await fetch(`${base}/hooks/alertmanager`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      version: '4',
      groupKey: 'g',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'r',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: '',
      alerts: [alert],
    }),
  });
  return (await res.json()) as { accepted: number; unrouted: number };
}

describe('alertworks process lifecycle', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('SIGHUP with a valid file reloads it; with an invalid file refuses it with the reason and keeps the running config', async () => {
    const service = await ServiceProcess.start({ config: config(redis.url, 'First'), role: 'serve' });
    try {
      expect(await post(service.url, 'Second')).toMatchObject({ accepted: 0, unrouted: 1 });

      writeFileSync(service.configFile, config(redis.url, 'Second'));
      service.proc.kill('SIGHUP');
      await waitFor('config reloaded', () => service.logsWith('config reloaded').length === 1, 30_000);
      await waitFor('the receiver back', async () => (await fetch(`${service.url}/healthz`).catch(() => undefined))?.ok, 30_000);
      expect(await post(service.url, 'Second')).toMatchObject({ accepted: 1, unrouted: 0 });

      writeFileSync(service.configFile, 'routes: [{ match: { alertname: Third }, action: reboot }]\nsevrer: {}\n');
      service.proc.kill('SIGHUP');
      const [refused] = await waitFor(
        'reload refused',
        () => {
          const lines = service.logsWith('config reload refused: the file is invalid, the running config stays');
          return lines.length > 0 ? lines : undefined;
        },
        30_000,
      );
      expect(refused?.level).toBe('error');
      expect(String(refused?.reason)).toContain('(root): Unrecognized key: "sevrer" (did you mean "server"?)');
      expect(String(refused?.reason)).toContain(service.configFile);
      // Still running, still on the last valid config.
      expect(service.proc.exitCode).toBeNull();
      expect(await post(service.url, 'Second')).toMatchObject({ accepted: 1 });
      expect(await post(service.url, 'Third')).toMatchObject({ unrouted: 1 });
      expect(service.logsWith('config reloaded')).toHaveLength(1);
      expect(await service.stop('SIGTERM')).toBe(0);
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('SIGTERM while stdout is not being read: every log line is written before the process leaves', async () => {
    // A terminal or a log shipper that falls behind leaves stdout's pipe full; pino's async
    // destination then retries its in-flight chunk. Exiting on pino's `flush` callback (which
    // it calls at once) dropped that chunk: ~1 run in 6 of the npm-start e2e lost "stopped".
    const service = await ServiceProcess.start({ config: config(redis.url, 'Burst'), role: 'serve' });
    try {
      service.proc.stdout?.pause();
      const webhooks = 800;
      for (let sent = 0; sent < webhooks; sent += 25)
        await Promise.all(Array.from({ length: Math.min(25, webhooks - sent) }, () => post(service.url, 'Burst')));
      service.proc.kill('SIGTERM');
      // Still blocked on the full pipe for a while: the shutdown's own lines queue behind the burst.
      await new Promise((r) => setTimeout(r, 1_500));
      service.proc.stdout?.resume();
      await waitFor('alertworks to exit', () => service.proc.exitCode !== null || service.proc.signalCode !== null, 30_000, 100);
      expect(service.proc.exitCode).toBe(0);
      expect(service.logsWith('webhook accepted')).toHaveLength(webhooks);
      expect(service.logs.at(-1)?.msg).toBe('stopped');
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('a port in use is one clear line and exit 1, not a stack trace', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const file = join(dir, 'busy.yaml');
      writeFileSync(file, config(`redis://127.0.0.1:${redis.port}`, 'X'));
      const r = await cli(['serve', '--config', file], { PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `alertworks: cannot listen on 127.0.0.1:${port}: the port is in use (another alertworks or another program); set PORT (or server.port) to a free port\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('an unknown LOG_LEVEL is one clear line and exit 2', async () => {
    const r = await cli(['serve'], { LOG_LEVEL: 'verbose', WEBHOOK_TOKEN: TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('alertworks: LOG_LEVEL "verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent\n');
    expect(r.stdout).toBe('');
  });

  it.each([
    [['serve', '--cofig', 'x.yaml'], 'unknown option --cofig (did you mean --config?)'],
    [['--confg=x.yaml'], 'unknown option --confg (did you mean --config?)'],
    [['all', '--dry-run'], 'unknown option --dry-run'],
    [['queues', '--insecure-no-auth'], 'queues does not take --insecure-no-auth'],
    [['serve', '--json'], 'serve does not take --json'],
    [['serve', 'config.yaml'], 'serve takes no arguments, got "config.yaml" (use --config FILE for a config)'],
    [['serv'], 'unknown command "serv" (did you mean serve?)'],
    [['check-config', 'a.yaml', 'b.yaml'], 'check-config takes one file, got 2'],
  ])('refuses %j: %s', async (args, message) => {
    const r = await cli(args, { WEBHOOK_TOKEN: TOKEN, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`alertworks: ${message}\n`);
    expect(r.stdout).not.toContain('receiver listening');
  });

  it('--version prints the version and starts nothing, even with a token set', async () => {
    const r = await cli(['--version'], { WEBHOOK_TOKEN: TOKEN, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r).toEqual({ code: 0, stdout: 'alertworks 0.1.0\n', stderr: '' });
  });

  it('queues: an unreachable Redis is reported within 2 s, naming the URL and where it came from', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const r = await cli(['queues'], { REDIS_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`alertworks: reading Redis at ${url} (from REDIS_URL)\n`);
    expect(r.stderr).toContain(`alertworks queues: Redis at ${url} (from REDIS_URL) is not reachable within 1.5s`);
    // Process start (tsx) included: generous, but far below the old 8 s.
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
