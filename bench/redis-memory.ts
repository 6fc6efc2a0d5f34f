/**
 * Redis bytes per accepted alert, over the dedup window, on a private redis-server.
 * The receiver (in process, with its audit trail) stores ALERTS alerts as webhooks of 50; a
 * worker completes them; retention (jobs.keepCompleted, 20 s here) removes the jobs; what is
 * left per alert is the dedup record. Each stage is a used_memory delta (after a settle),
 * beside MEMORY USAGE of one key of each kind. Capped streams (the audit trail, BullMQ's event
 * stream) are reported apart: their size does not grow with the number of alerts.
 *
 *   npm run bench:redis-memory         (BENCH_ALERTS=10000)
 */
import { Worker } from 'bullmq';
import { AuditTrail, DEFAULT_AUDIT_MAX_RECORDS } from '../src/audit/audit-trail.js';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { QueueSet } from '../src/queue/queues.js';
import { createRedis, waitForRedis, type RedisClient } from '../src/redis.js';
import { createApp } from '../src/server/app.js';
import { waitFor } from '../test/support/ports.js';
import { RedisServer } from '../test/support/redis-server.js';
import { alertmanagerBody } from './support/payload.js';
import { fmt, printHeader, table, targetsTable, type Target } from './support/report.js';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const PER_WEBHOOK = 50;
const TOKEN = 'bench-memory-token-0123456789';
const PER_DAY = 100_000;
const DAY = 86_400_000;
/** jobs.keepCompleted here: long enough to see every job completed at once, short enough to wait out. */
const KEEP_SECONDS = Number(process.env.BENCH_KEEP_SECONDS ?? 20);

async function usedMemory(redis: RedisClient): Promise<number> {
  // Two reads 50 ms apart, the lower: lazy frees and client buffers settle.
  let low = Infinity;
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const info = await redis.info('memory');
    low = Math.min(low, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN));
  }
  return low;
}

async function keyBytes(redis: RedisClient, key: string): Promise<number> {
  return Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
}

/** used_memory freed by deleting `keys`, read in the same MULTI (no cron runs in between), per key. */
async function heldBy(redis: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const results =
    (await redis
      .multi()
      .info('memory')
      .del(...keys)
      .info('memory')
      .exec()) ?? [];
  const used = (i: number) => Number(/used_memory:(\d+)/.exec(String(results[i]?.[1] ?? ''))?.[1] ?? NaN);
  return (used(0) - used(2)) / keys.length;
}

async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function benchRedisMemory(): Promise<{ targets: Target[] }> {
  printHeader(`Redis memory per accepted alert (${fmt(ALERTS)} alerts, webhooks of ${PER_WEBHOOK})`);
  const server = await RedisServer.start();
  const config = parseConfig(
    `server: { auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${server.url}" }\njobs: { keepCompleted: ${KEEP_SECONDS}s }\nroutes:\n  - { match: { alertname: HostDiskWillFillIn24Hours }, action: notify }\n  - { match: { alertname: Tick }, action: notify }\n`,
    'bench.yaml',
    {},
  );
  const redis = createRedis(server.url, 'producer');
  const workerRedis = createRedis(server.url, 'worker');
  await waitForRedis(redis, 10_000);
  const queues = new QueueSet(redis, config, ['notify']);
  const audit = new AuditTrail(redis, config.redis.prefix);
  const app = createApp({ config, queues, redis, audit, logger: createLogger({ level: 'silent' }) });
  const queue = queues.get('notify');
  const post = (body: string) =>
    app.request('/hooks/alertmanager', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  try {
    await post(alertmanagerBody(1, 'warm-up'));
    await queue.obliterate({ force: true });
    await redis.del(audit.key, audit.routineKey, ...(await scanKeys(redis, `${audit.key}:seen:*`)));
    const m0 = await usedMemory(redis);

    for (let sent = 0; sent < ALERTS; sent += PER_WEBHOOK) {
      const res = await post(alertmanagerBody(Math.min(PER_WEBHOOK, ALERTS - sent), `mem-${sent}`));
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    }
    // `received` records are routine: they go to the routine stream (its cap is the same default).
    await waitFor('every received record', async () => (await redis.xlen(audit.routineKey)) >= Math.min(ALERTS, DEFAULT_AUDIT_MAX_RECORDS), 30_000, 50);
    const mWaiting = await usedMemory(redis);
    const [sampleJob] = await queue.getJobs(['waiting'], 0, 0);
    const jobId = sampleJob?.id ?? '';
    const waitingJobBytes = await keyBytes(redis, queue.toKey(jobId));

    const worker = new Worker('notify', async () => undefined, { connection: workerRedis, prefix: config.redis.prefix, concurrency: 100 });
    let done = 0;
    worker.on('completed', () => void done++);
    const workStarted = Date.now();
    await waitFor('every job completed', () => done >= ALERTS, 120_000, 50);
    const completedCount = await queue.getCompletedCount();
    if (completedCount < ALERTS)
      throw new Error(`only ${completedCount} completed jobs kept: set BENCH_KEEP_SECONDS above ${Math.ceil((Date.now() - workStarted) / 1000)}`);
    const mCompleted = await usedMemory(redis);
    const completedJobBytes = await keyBytes(redis, queue.toKey(jobId));

    // Retention by age runs as later jobs complete: past keepCompleted, one more job.
    await new Promise((r) => setTimeout(r, KEEP_SECONDS * 1000 + 200));
    // Each completion removes at most 1,000 expired jobs (BullMQ's batch): tick until all are gone.
    let ticks = 0;
    await waitFor(
      'jobs removed by retention',
      async () => {
        await post(
          JSON.stringify({
            version: '4',
            receiver: 'alertworks',
            status: 'firing',
            alerts: [{ status: 'firing', labels: { alertname: 'Tick' }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: `tick-${ticks++}` }],
          }),
        );
        return (await queue.getCompletedCount()) <= ticks;
      },
      60_000,
      200,
    );
    await worker.close();
    const recordBytes = await keyBytes(redis, queue.toKey(`de:${jobId}`));
    const guardKeys = await scanKeys(redis, `${audit.key}:seen:*`);
    const guardBytes = guardKeys[0] ? await keyBytes(redis, guardKeys[0]) : 0;
    const auditStream = (await keyBytes(redis, audit.key)) + (await keyBytes(redis, audit.routineKey));
    const eventsStream = await keyBytes(redis, queue.toKey('events'));
    const mRetained = await usedMemory(redis);
    // The received records' guard keys expire after an hour: gone, what stays for the window.
    const guardHeld = await heldBy(redis, guardKeys);
    const mRecord = await usedMemory(redis);
    // What the records themselves hold (entries, keys, values, TTLs), measured as one MULTI so
    // no cron shrinks a hash table in between: the rest of the delta above is table slots
    // sized for the peak (jobs + records + guards), amortised over more keys at steady state.
    const recordKeys = await scanKeys(redis, queue.toKey('de:*'));
    const recordHeld = await heldBy(redis, recordKeys);
    const families = new Map<string, number>();
    for (const key of await scanKeys(redis, '*')) {
      const family = key.replace(/[0-9a-f]{32}/, '<id>').replace(/:\d+$/, ':<n>');
      families.set(family, (families.get(family) ?? 0) + 1);
    }

    const streams = auditStream + eventsStream;
    const perAlert = (m: number, fixed = 0) => (m - m0 - fixed) / ALERTS;
    const waiting = perAlert(mWaiting, streams);
    const completed = perAlert(mCompleted, streams);
    const afterRetention = perAlert(mRetained, streams);
    const remembered = perAlert(mRecord, streams);
    const job = completed - afterRetention;

    process.stdout.write(
      `${table(
        ['stage (used_memory delta, capped streams apart)', 'bytes per alert', 'MEMORY USAGE of one key'],
        [
          ['jobs waiting (+ dedup record, audit guard)', fmt(waiting), `job hash ${fmt(waitingJobBytes)}`],
          ['jobs completed, kept for jobs.keepCompleted', fmt(completed), `job hash ${fmt(completedJobBytes)}`],
          ['after retention: dedup record + audit guard (1 h)', fmt(afterRetention), `audit guard ${fmt(guardBytes)}, frees ${fmt(guardHeld)} when deleted`],
          ['for the rest of the dedup window: dedup record', fmt(remembered), `dedup record ${fmt(recordBytes)}, frees ${fmt(recordHeld)} when deleted`],
        ],
      )}\n\n`,
    );
    process.stdout.write(`Keys left for the rest of the window: ${[...families].map(([f, n]) => `${f} ×${fmt(n)}`).join(', ')}.\n\n`);
    process.stdout.write(
      `Capped streams (do not grow with alerts): audit trail ${fmt(auditStream / 1024)} KiB (${fmt(DEFAULT_AUDIT_MAX_RECORDS)} records at most per stream), BullMQ events ${fmt(eventsStream / 1024)} KiB.\n\n`,
    );

    // 100,000 alerts a day: a day of jobs, an hour of guard keys, a window of records, plus the
    // hash-table slots for them (8 B per slot, tables a power of two: main dict and expires).
    const windowDays = config.jobs.dedupWindow / DAY;
    const slots = (keys: number) => 8 * 2 ** Math.ceil(Math.log2(Math.max(1, keys)));
    const records = PER_DAY * windowDays;
    const nowKeys = { jobs: PER_DAY, guards: PER_DAY / 24, records };
    const now =
      nowKeys.jobs * job +
      nowKeys.guards * guardHeld +
      records * recordHeld +
      slots(nowKeys.jobs + nowKeys.guards + records) +
      slots(nowKeys.guards + records) +
      streams;
    // Before: every completed job and its 7-day guard key were kept for the whole window.
    const before = records * (job + guardHeld) + slots(2 * records) + slots(records) + streams;
    process.stdout.write(
      `${table(
        [`${fmt(PER_DAY)} alerts a day, ${windowDays}-day dedup window`, 'Redis memory'],
        [
          ['whole jobs kept for the window (before)', `${fmt(before / 2 ** 20)} MiB`],
          ['jobs kept 24 h + dedup record for the window (now)', `${fmt(now / 2 ** 20)} MiB`],
          ['ratio now / before', fmt(now / before, 2)],
        ],
      )}\n\n`,
    );
    const targets: Target[] = [
      {
        name: 'Redis bytes per alert remembered for dedup after its job is gone (held by the record)',
        goal: '<= 200',
        measured: `${fmt(recordHeld)} B`,
        met: recordHeld <= 200,
      },
      {
        name: 'the same, used_memory delta incl. hash-table slots sized for the peak',
        goal: '<= 200',
        measured: `${fmt(remembered)} B`,
        met: remembered <= 200,
      },
    ];
    process.stdout.write(`${targetsTable(targets)}\n`);
    return { targets };
  } finally {
    await queues.close();
    redis.disconnect();
    workerRedis.disconnect();
    await server.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchRedisMemory();
  process.exit(0);
}
