import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createApp } from '../../src/server/app.js';
import { QueueSet } from '../../src/queue/queues.js';
import { createRedis, waitForRedis, type RedisClient } from '../../src/redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisServer } from '../support/redis-server.js';

const TOKEN = 'receiver-test-token-0123';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const alert = (fp: string, status = 'firing', startsAt = '2026-11-01T00:00:00Z') => ({
  status,
  labels: { alertname: 'DiskFull', fp },
  annotations: {},
  startsAt,
  fingerprint: fp,
});
const payload = (...alerts: unknown[]) => JSON.stringify({ version: '4', receiver: 'alertworks', status: 'firing', alerts });

describe('POST /hooks/alertmanager against a real Redis', () => {
  let redis: RedisServer;
  let producer: RedisClient;
  let queues: QueueSet;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const config = parseConfig(
      `server: { bodyLimitBytes: 2048, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: DiskFull }, status: any, action: notify }\n`,
      'test.yaml',
      {},
    );
    producer = createRedis(config.redis.url, 'producer');
    await waitForRedis(producer, 5_000);
    queues = new QueueSet(producer, config, ['notify']);
    app = createApp({ config, queues, redis: producer, logger: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await queues.close();
    producer.disconnect();
    await redis.destroy();
  });

  const post = (body: string, headers: Record<string, string> = auth) => app.request('/hooks/alertmanager', { method: 'POST', headers, body });

  it.each([
    ['no Authorization header', {}, 'missing Authorization header'],
    ['a wrong token', { authorization: 'Bearer wrong-token-000000000' }, 'invalid credentials'],
    ['basic auth when only tokens exist', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, 'invalid credentials'],
  ])('401 for %s', async (_name, headers, error) => {
    const res = await post(payload(alert('a')), headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error });
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('413 for a body over the limit, with the limit in the reason', async () => {
    const res = await post(payload({ ...alert('big'), annotations: { d: 'x'.repeat(4096) } }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'body larger than 2048 bytes' });
  });

  it.each([
    ['not JSON', '{"version": "4", alerts: [', 'body is not valid JSON'],
    ['no alerts field', '{"version":"4"}', 'not an Alertmanager v4 payload: alerts: required field is missing'],
    [
      'wrong version',
      JSON.stringify({ version: '3', alerts: [] }),
      'version: "3" is neither "4" (Alertmanager webhook) nor "1" (Grafana webhook contact point)',
    ],
    ['no version', JSON.stringify({ alerts: [] }), 'not an Alertmanager v4 payload: version: must be "4" (Alertmanager webhook payload version)'],
    [
      'alerts of the wrong type',
      JSON.stringify({ version: '4', alerts: 'x' }),
      'not an Alertmanager v4 payload: alerts: Invalid input: expected array, received string',
    ],
    [
      'a label that is not a string',
      payload({ ...alert('t'), labels: { alertname: 5 } }),
      'not an Alertmanager v4 payload: alerts[0].labels.alertname: Invalid input: expected string, received number',
    ],
  ])('400 for %s, with the reason', async (_name, body, error) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error });
  });

  it('stores one job per routed alert, counts duplicates and unrouted, and re-sends add nothing', async () => {
    const other = { ...alert('u1'), labels: { alertname: 'Unrelated' } };
    const first = await post(payload(alert('f1'), alert('f2'), alert('f2'), other));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 1, unrouted: 1 });

    const again = await post(payload(alert('f1'), alert('f2')));
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2, unrouted: 0 });

    // Same fingerprint, resolved: a different occurrence, so a new job.
    const resolved = await post(payload(alert('f1', 'resolved')));
    expect(await resolved.json()).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });
    // Same fingerprint firing again later (new startsAt): new job too.
    const refire = await post(payload(alert('f1', 'firing', '2026-11-02T00:00:00Z')));
    expect(await refire.json()).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });

    const counts = await queues.get('notify').getJobCounts('waiting');
    expect(counts.waiting).toBe(4);
  });

  it('a finished job still makes its re-send a duplicate (dedup window)', async () => {
    const queue = queues.get('notify');
    const [job] = await queue.getJobs(['waiting'], 0, 0);
    expect(job).toBeDefined();
    await job!.remove();
    // A removed job no longer blocks: dedup is exactly as long as the job is retained.
    const res = await post(payload(job!.data.alert));
    expect(await res.json()).toMatchObject({ accepted: 1 });
  });

  it('answers 503 within 2 s, never 429, when Redis is unreachable; readyz says 503', async () => {
    await redis.stop('SIGKILL');
    try {
      const started = Date.now();
      const res = await post(payload(alert('down-1')));
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(res.headers.get('retry-after')).toBe('5');
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
    } finally {
      await redis.restart();
    }
    // ioredis reconnects by itself; the same payload is then accepted.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await post(payload(alert('down-1')))).status;
    }
    expect(status).toBe(200);
  });

  it('healthz always answers; metrics expose receiver counters', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/alertworks_alerts_received_total\{alertname="DiskFull",status="firing",outcome="duplicate"\} \d+/);
    expect(text).toMatch(/alertworks_http_requests_total\{method="POST",route="\/hooks\/alertmanager",status="401"\} 3/);
    expect(text).toContain('alertworks_queue_jobs{queue="notify",state="waiting"}');
    // Every refusal above, by reason (two missing/wrong-token cases share invalid_credentials).
    expect(text).toContain('alertworks_webhook_rejected_total{reason="missing_credentials"} 1');
    expect(text).toContain('alertworks_webhook_rejected_total{reason="invalid_credentials"} 2');
    expect(text).toContain('alertworks_webhook_rejected_total{reason="body_too_large"} 1');
    expect(text).toContain('alertworks_webhook_rejected_total{reason="invalid_json"} 1');
    expect(text).toContain('alertworks_webhook_rejected_total{reason="invalid_payload"} 5');
  });
});
