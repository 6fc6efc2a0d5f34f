import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { parseConfig } from '../../src/config/load.js';
import { run, type RunningService } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { clearSecrets } from '../../src/observability/redact.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/ports.js';
import { ServiceProcess } from '../support/service.js';

const TOKEN = 'notify-test-token-0123456';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: stream }) };
}

const alert = (fp: string, status: 'firing' | 'resolved', extra: Record<string, string> = {}) => ({
  status,
  labels: { alertname: 'NotifyTest', severity: 'warning', fp },
  annotations: { summary: `summary ${fp}`, ...extra },
  startsAt: '2026-11-20T10:00:00Z',
  ...(status === 'resolved' ? { endsAt: '2026-11-20T10:05:00Z' } : {}),
  fingerprint: fp,
});

describe('notify action with the Slack Web API fake', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: RunningService;
  let logs: Record<string, unknown>[];

  const post = (...alerts: unknown[]) =>
    fetch(`http://127.0.0.1:${service.port}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', receiver: 'alertworks', alerts }),
    });

  const configText = (url: string, extra = '') =>
    `server: { port: 0, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${url}" }\njobs: { backoff: 100ms, attempts: 3 }\nroutes:\n  - { match: { alertname: NotifyTest }, status: any, action: notify }\n${extra}`;

  beforeAll(async () => {
    redis = await RedisServer.start();
    slack = await new FakeSlack().start();
    const captured = captureLogger();
    logs = captured.lines;
    const env = { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, OPENAI_API_KEY: 'sk-test-secret-value-123456' };
    service = await run({ role: 'all', config: parseConfig(configText(redis.url), 'notify.yaml', env), env, logger: captured.logger });
  });

  afterAll(async () => {
    await service?.stop();
    await slack?.stop();
    await redis?.destroy();
    clearSecrets();
  });

  afterEach(() => {
    slack.responseDelayMs = 0;
  });

  it('firing opens one thread; resolved replies in it and turns the first message resolved', async () => {
    expect((await post(alert('t1', 'firing'))).status).toBe(200);
    await waitFor('thread opened', () => slack.threads().some((t) => t.root.text.includes('summary t1')));
    expect((await post(alert('t1', 'resolved'))).status).toBe(200);
    await waitFor('resolution replied', () => slack.threads().find((t) => t.root.text.includes('t1'))?.replies.length === 1);

    const thread = slack.threads().filter((t) => t.root.text.includes('summary t1'));
    expect(thread).toHaveLength(1);
    expect(thread[0]!.replies[0]!.text).toBe('RESOLVED: NotifyTest (warning) — summary t1');
    expect(thread[0]!.root.updates.map((u) => u.text)).toEqual(['RESOLVED: NotifyTest (warning) — summary t1']);
    expect(JSON.stringify(thread[0]!.root.blocks)).toContain('FIRING: NotifyTest');
  });

  it('a 429 delays the job for Retry-After without blocking the worker; then it is delivered once', async () => {
    slack.injectFaults({ kind: 'ratelimit', retryAfterSeconds: 2 });
    await post(alert('rl-1', 'firing'));
    await waitFor('rate limit hit', () => slack.calls.some((c) => !c.ok));
    const limitedAt = Date.now();
    await post(alert('rl-2', 'firing'));
    await waitFor('second alert delivered while the first waits', () => slack.messages.some((m) => m.text.includes('rl-2')));
    expect(slack.messages.some((m) => m.text.includes('rl-1'))).toBe(false);
    await waitFor('first alert delivered after Retry-After', () => slack.messages.some((m) => m.text.includes('rl-1')), 10_000);
    const deliveredAt = slack.calls.filter((c) => c.ok).at(-1)!.at;
    expect(deliveredAt - limitedAt).toBeGreaterThanOrEqual(1_500);
    expect(slack.messages.filter((m) => m.text.includes('rl-1'))).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'job delayed: remote side asked to retry later' && l.code === 'slack_rate_limited')).toBe(true);
  });

  it('a permanent Slack error fails the job at once with its reason; a transient one is retried', async () => {
    const queue = new Queue('notify', { connection: { url: redis.url }, prefix: '{alertworks}' });
    try {
      slack.injectFaults({ kind: 'platform', error: 'channel_not_found' });
      await post(alert('perm-1', 'firing'));
      const failed = await waitFor('job failed', async () => (await queue.getJobs(['failed'])).find((j) => j.data.alert.fingerprint === 'perm-1'));
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toBe('slack_channel_not_found: Slack chat.postMessage failed: channel_not_found');

      slack.injectFaults({ kind: 'http', status: 503 });
      await post(alert('trans-1', 'firing'));
      await waitFor('retried and delivered', () => slack.messages.some((m) => m.text.includes('trans-1')));
      // The message lands just before the job is marked completed: wait for the state.
      const done = await waitFor('job completed', async () => (await queue.getJobs(['completed'])).find((j) => j.data.alert.fingerprint === 'trans-1'));
      expect(done.attemptsMade).toBe(2);
    } finally {
      await queue.close();
    }
  });

  it('secrets in alert text never reach Slack or the logs', async () => {
    await post(alert('sec-1', 'firing', { description: 'key sk-test-secret-value-123456 leaked; auth Bearer abcdefghijkl' }));
    await waitFor('delivered', () => slack.messages.some((m) => m.text.includes('sec-1')));
    const all = JSON.stringify(slack.messages) + JSON.stringify(logs);
    expect(all).not.toContain('sk-test-secret-value-123456');
    expect(all).not.toContain('abcdefghijkl');
    expect(all).not.toContain(slack.token);
    expect(all).not.toContain(TOKEN);
  });

  it('without a Slack token each notification is one structured log line', async () => {
    const r2 = await RedisServer.start();
    const captured = captureLogger();
    const svc = await run({ role: 'all', config: parseConfig(configText(r2.url), 'nolack.yaml', {}), env: {}, logger: captured.logger });
    try {
      await fetch(`http://127.0.0.1:${svc.port}/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', receiver: 'r', alerts: [alert('log-1', 'firing')] }),
      });
      const line = await waitFor('log notification', () => captured.lines.find((l) => l.msg === 'notification'));
      expect(line.notification).toMatchObject({ channel: '#ops', text: 'FIRING: NotifyTest (warning) — summary log-1' });
      expect(line.job_id).toEqual(expect.any(String));
    } finally {
      await svc.stop();
      await r2.destroy();
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: stops taking requests, lets the active job finish, exits 0', async () => {
    const redis = await RedisServer.start();
    const slack = await new FakeSlack().start();
    slack.responseDelayMs = 2_000;
    const svc = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: NotifyTest }, status: any, action: notify }\n`,
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });
    try {
      await fetch(`${svc.url}/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', receiver: 'r', alerts: [alert('slow-1', 'firing')] }),
      });
      await waitFor('job started', () => svc.logs.length > 0 && slack.calls.length === 0 && svc.logs.some((l) => l.msg === 'webhook accepted'));
      await new Promise((r) => setTimeout(r, 300));
      const code = await svc.stop('SIGTERM');
      expect(code).toBe(0);
      expect(slack.messages.map((m) => m.text)).toEqual(['FIRING: NotifyTest (warning) — summary slow-1']);
      expect(svc.logs.some((l) => l.msg === 'job done')).toBe(true);
      await expect(fetch(`${svc.url}/healthz`)).rejects.toThrow();
    } finally {
      await svc.stop('SIGKILL');
      await slack.stop();
      await redis.destroy();
    }
  });
});
