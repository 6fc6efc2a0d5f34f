import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { parseConfig } from '../../src/config/load.js';
import { createApp } from '../../src/server/app.js';
import { QueueSet } from '../../src/queue/queues.js';
import { dedupKey } from '../../src/server/alertmanager-payload.js';
import { createRedis, waitForRedis, type RedisClient } from '../../src/redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/ports.js';

const TOKEN = 'dedup-record-token-0123';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const alert = (fp: string) => ({
  status: 'firing' as const,
  labels: { alertname: 'DiskFull', fp },
  annotations: { summary: 'x'.repeat(400) },
  startsAt: '2026-11-01T00:00:00Z',
  fingerprint: fp,
});
const payload = (...alerts: unknown[]) => JSON.stringify({ version: '4', receiver: 'alertworks', status: 'firing', alerts });

/** Completed jobs are kept 1 s here, the dedup window stays 7 days: the record must outlive the job. */
describe('dedup outlives the job (jobs.keepCompleted < jobs.dedupWindow)', () => {
  let redis: RedisServer;
  let producer: RedisClient;
  let queues: QueueSet;
  let worker: Worker;
  let workerRedis: RedisClient;
  let app: ReturnType<typeof createApp>;
  let audit: AuditTrail;
  const done: string[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const config = parseConfig(
      `server: { auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\njobs: { keepCompleted: 1s }\nroutes:\n  - { match: { alertname: DiskFull }, status: any, action: notify }\n`,
      'test.yaml',
      {},
    );
    producer = createRedis(config.redis.url, 'producer');
    await waitForRedis(producer, 5_000);
    queues = new QueueSet(producer, config, ['notify']);
    audit = new AuditTrail(producer, config.redis.prefix);
    app = createApp({ config, queues, redis: producer, audit, logger: createLogger({ level: 'silent' }) });
    workerRedis = createRedis(config.redis.url, 'worker');
    worker = new Worker('notify', async (job) => void done.push(job.id ?? ''), { connection: workerRedis, prefix: config.redis.prefix });
  });

  afterAll(async () => {
    await worker.close();
    workerRedis.disconnect();
    await queues.close();
    producer.disconnect();
    await redis.destroy();
  });

  const post = async (body: string) =>
    (await app.request('/hooks/alertmanager', { method: 'POST', headers: auth, body })).json() as Promise<{
      accepted: number;
      duplicates: number;
      unrouted: number;
    }>;

  it('a job removed by retention still makes its re-send a duplicate, and what is left of it is small', async () => {
    const a = alert('kept-by-record');
    const id = dedupKey(a);
    expect(await post(payload(a))).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });
    await waitFor('the job to complete', () => done.includes(id), 10_000, 20);
    // Retention by age runs when a later job completes: wait past 1 s, then finish another.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await post(payload(alert('later')))).toMatchObject({ accepted: 1 });
    const queue = queues.get('notify');
    await waitFor('the first job to be removed by retention', async () => (await queue.getJob(id)) === undefined, 10_000, 50);

    // Single-alert and batch webhooks both find the record.
    expect(await post(payload(a))).toEqual({ accepted: 0, duplicates: 1, unrouted: 0 });
    expect(await post(payload(a, alert('new-in-batch')))).toEqual({ accepted: 1, duplicates: 1, unrouted: 0 });
    expect(await queue.getJob(id)).toBeUndefined();

    const record = queue.toKey(`de:${id}`);
    const ttl = await producer.pttl(record);
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);
    const bytes = Number(await producer.call('MEMORY', 'USAGE', record));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(200);
  });

  it('two webhooks racing with one new alert store one job', async () => {
    const a = alert('raced');
    const answers = await Promise.all([post(payload(a)), post(payload(a)), post(payload(a, alert('raced-2')))]);
    expect(answers.every((r) => r.unrouted === 0)).toBe(true);
    const jobs = await queues.get('notify').getJobs(['waiting', 'active', 'completed'], 0, -1);
    expect(jobs.filter((j) => j.id === dedupKey(a))).toHaveLength(1);
    expect(jobs.filter((j) => j.id === dedupKey(alert('raced-2')))).toHaveLength(1);
    // One `received` record each, however the race was counted; its guard key lives an hour, not the window.
    const received = await waitFor(
      'the received records',
      async () => {
        const r = (await audit.query({ kind: 'received' })).filter((x) => x.fingerprint === 'raced' || x.fingerprint === 'raced-2');
        return r.length >= 2 ? r : undefined;
      },
      5_000,
      20,
    );
    expect(received.map((r) => r.fingerprint).sort()).toEqual(['raced', 'raced-2']);
    const guard = await producer.ttl(`${audit.key}:seen:notify:${dedupKey(a)}:received`);
    expect(guard).toBeGreaterThan(0);
    expect(guard).toBeLessThanOrEqual(3_600);
  });
});
