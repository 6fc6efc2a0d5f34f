import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { registry } from '../../src/observability/metrics.js';
import { QueueSet } from '../../src/queue/queues.js';
import { WebhookSpool } from '../../src/queue/spool.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { createApp } from '../../src/server/app.js';
import { dedupKey } from '../../src/server/alertmanager-payload.js';
import { GRAFANA_DOCS_EXAMPLE, grafanaBody, grafanaHeaders } from '../support/grafana-webhook.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

const TOKEN = 'grafana-intake-token-0123';
const SECRET = 'grafana-intake-hmac-secret-42';
const TS_HEADER = 'X-Grafana-Alerting-Timestamp';
const signing = { secret: SECRET, timestampHeader: TS_HEADER };

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

async function rejected(reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('alertworks_webhook_rejected_total')?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('Grafana webhook contact point against a real Redis', () => {
  let redis: RedisServer;
  let producer: Redis;
  let queues: QueueSet;
  let spoolDir: string;
  let app: ReturnType<typeof createApp>;
  const log = captureLogger();

  beforeAll(async () => {
    redis = await RedisServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'aw-spool-'));
    const config = parseConfig(
      [
        `server:`,
        `  rejectionLogInterval: 1s`,
        `  auth: { bearerTokens: ["${TOKEN}"], hmac: { secret: "${SECRET}", timestampHeader: ${TS_HEADER} } }`,
        `  spool: { dir: "${spoolDir}", replayInterval: 200ms }`,
        `redis: { url: "${redis.url}" }`,
        `routes:`,
        `  - { match: { alertname: "=~High .*" }, status: any, action: notify }`,
        `  - { match: { alertname: VolumeUsageCritical }, status: any, action: volume-resize }`,
      ].join('\n'),
      'test.yaml',
      {},
    );
    producer = createRedis(config.redis.url, 'producer');
    await waitForRedis(producer, 5_000);
    queues = new QueueSet(producer, config, ['notify', 'volume-resize']);
    const spool = new WebhookSpool(spoolDir, config.server.spool, log.logger);
    await spool.init();
    app = createApp({ config, queues, redis: producer, logger: log.logger, spool });
  });

  afterAll(async () => {
    await queues.close();
    producer.disconnect();
    await redis.destroy();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, headers: Record<string, string>) => app.request(path, { method: 'POST', headers, body });

  it("routes Grafana's documented example on /hooks/alertmanager (bearer token) and keeps its fields in the job; /hooks/grafana dedups the re-send", async () => {
    const body = JSON.stringify(GRAFANA_DOCS_EXAMPLE);
    const first = await post('/hooks/alertmanager', body, { ...grafanaHeaders(body), authorization: `Bearer ${TOKEN}` });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0, unrouted: 0 });

    const again = await post('/hooks/grafana', body, { ...grafanaHeaders(body), authorization: `Bearer ${TOKEN}` });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2, unrouted: 0 });

    const alert = GRAFANA_DOCS_EXAMPLE.alerts[0];
    const job = await queues.get('notify').getJob(dedupKey({ fingerprint: alert.fingerprint, startsAt: alert.startsAt, status: 'firing' }));
    expect(job?.data).toMatchObject({
      source: 'grafana',
      receiver: 'My Super Webhook',
      externalURL: 'https://play.grafana.org/',
      alert: { labels: alert.labels, annotations: alert.annotations, grafana: { values: alert.values, silenceURL: alert.silenceURL, orgId: 1 } },
    });
  });

  it('accepts a body signed as Grafana signs it, without any Authorization header', async () => {
    const body = JSON.stringify(grafanaBody([{ labels: { alertname: 'High disk', team: 'x' }, fingerprint: 'signed-1' }]));
    const res = await post('/hooks/grafana', body, grafanaHeaders(body, signing));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });
  });

  it("accepts the signature in Grafana's fallback header X-Grafana-Alert-Signature (contact point header left empty)", async () => {
    const body = JSON.stringify(grafanaBody([{ labels: { alertname: 'High fallback' }, fingerprint: 'signed-fallback' }]));
    const res = await post('/hooks/grafana', body, grafanaHeaders(body, { ...signing, header: 'X-Grafana-Alert-Signature' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });
  });

  it.each([
    [
      'a wrong signature',
      () => ({ ...grafanaHeaders('{}', signing), [TS_HEADER.toLowerCase()]: String(Math.floor(Date.now() / 1000)) }),
      'invalid_signature',
      'invalid signature',
    ],
    [
      'no signature and no token',
      () => ({ 'content-type': 'application/json' }),
      'missing_credentials',
      'missing Authorization header or X-Grafana-Alerting-Signature signature',
    ],
    [
      'a stale timestamp',
      (body: string) => grafanaHeaders(body, { ...signing, timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      'stale_signature',
      'stale or missing signature timestamp',
    ],
    [
      'a valid token beside a wrong signature',
      () => ({ ...grafanaHeaders('{"x":1}', signing), authorization: `Bearer ${TOKEN}` }),
      'invalid_signature',
      'invalid signature',
    ],
  ])('401 for %s, counted by reason and logged with the remote address', async (_name, headersFor, reason, error) => {
    const body = JSON.stringify(grafanaBody([{ labels: { alertname: 'High refused' }, fingerprint: `refused-${reason}` }]));
    const before = await rejected(reason);
    const lines = log.lines.length;
    const res = await post('/hooks/grafana', body, headersFor(body));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error });
    expect(await rejected(reason)).toBe(before + 1);
    // Logged at once when it is the reason's first refusal in the interval (1s here), else in
    // the interval's summary line.
    const line = await waitFor('the refusal log line', () => log.lines.slice(lines).find((l) => l.msg === 'webhook refused' && l.reason === reason), 5_000, 20);
    expect(line).toMatchObject({ level: 'warn', reason, remote: 'unknown', count: 1 });
    expect(JSON.stringify(line)).not.toContain(SECRET);
  });

  it('400 for a body that is neither format, naming what is wrong; counted as invalid_payload', async () => {
    const before = await rejected('invalid_payload');
    const res = await post('/hooks/alertmanager', JSON.stringify({ version: '2', alerts: [] }), {
      'content-type': 'application/json',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'version: "2" is neither "4" (Alertmanager webhook) nor "1" (Grafana webhook contact point)' });
    expect(await rejected('invalid_payload')).toBe(before + 1);
  });

  it('1,000 wrong-token requests: every one counted; one line at once, then at most one summary per second', async () => {
    const before = await rejected('invalid_credentials');
    const lines = log.lines.length;
    const started = Date.now();
    const body = JSON.stringify(grafanaBody([{ labels: { alertname: 'High flood' }, fingerprint: 'flood' }]));
    for (let i = 0; i < 1_000; i++) {
      const res = await post('/hooks/alertmanager', body, { 'content-type': 'application/json', authorization: 'Bearer wrong-token-000000000' });
      expect(res.status).toBe(401);
    }
    expect(await rejected('invalid_credentials')).toBe(before + 1_000);
    const refusals = () => log.lines.slice(lines).filter((l) => l.msg === 'webhook refused' && l.reason === 'invalid_credentials');
    const total = () => refusals().reduce((sum, l) => sum + (l.count as number), 0);
    await waitFor('summary lines covering every refusal', () => total() === 1_000, 5_000, 50);
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(refusals()[0]?.count).toBe(1);
    expect(refusals().length).toBeGreaterThanOrEqual(2);
    expect(refusals().length).toBeLessThanOrEqual(1 + seconds);
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/alertworks_webhook_rejected_total\{reason="invalid_credentials"\} \d+/);
    expect(text).toContain('alertworks_webhook_rejected_total{reason="body_too_large"} 0');
  });

  it('Redis down: a Grafana delivery is spooled (202) and stored once Redis is back; an Alertmanager one gets 503', async () => {
    await redis.stop('SIGKILL');
    let restarted = false;
    const sentAt = Date.now();
    try {
      const body = JSON.stringify(grafanaBody([{ labels: { alertname: 'High spool' }, fingerprint: 'spool-1' }]));
      const res = await post('/hooks/grafana', body, grafanaHeaders(body, signing));
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ spooled: 1, waiting: 1 });
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);

      const am = JSON.stringify({
        version: '4',
        receiver: 'am',
        alerts: [{ status: 'firing', labels: { alertname: 'High am' }, annotations: {}, startsAt: '2026-11-01T00:00:00Z', fingerprint: 'am-1' }],
      });
      const amRes = await post('/hooks/alertmanager', am, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
      expect(amRes.status).toBe(503);

      await redis.restart();
      restarted = true;
      const id = dedupKey({ fingerprint: 'spool-1', startsAt: '2026-11-22T05:00:00.123456789Z', status: 'firing' });
      const job = await waitFor('the spooled job in Redis', () => queues.get('notify').getJob(id), 15_000, 100);
      expect(job.data.source).toBe('grafana');
      // The job says when the webhook arrived, not when it was replayed.
      expect(job.data.receivedAt).toBeGreaterThanOrEqual(sentAt);
      expect(job.data.receivedAt).toBeLessThan(job.timestamp);
      await waitFor('the spool to empty', () => readdirSync(spoolDir).length === 0, 5_000, 50);
      // Grafana sends the same notification again at its repeat interval: a duplicate.
      const again = await post('/hooks/grafana', body, grafanaHeaders(body, signing));
      expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, unrouted: 0 });
    } finally {
      if (!restarted) await redis.restart();
    }
  });
});
