/**
 * A worker process whose `notify` processor does nothing but note how long ago the webhook
 * was received (job.data.receivedAt, stamped by the receiver): receipt-to-job-start latency.
 * It runs through the product's own worker wrapper (startWorkers: span, log context, metrics).
 * On SIGTERM it prints the latencies and exits.
 * Usage: noop-worker.ts REDIS_URL
 */
import { parseConfig } from '../../src/config/load.js';
import { createRedis } from '../../src/redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { startWorkers } from '../../src/runner/run-workers.js';
import { defineAction } from '../../src/action.js';
import { percentile } from '../support/report.js';
import { tell } from '../support/child.js';

const url = process.argv[2] ?? '';
// BENCH_WORKER_CONCURRENCY: jobs at once (the product's default is jobs.concurrency, 8).
const concurrency = process.env.BENCH_WORKER_CONCURRENCY;
const config = parseConfig(`redis: { url: "${url}" }\n${concurrency ? `jobs: { concurrency: ${Number(concurrency)} }\n` : ''}`, 'bench', {});
const logger = createLogger({ level: 'silent' });
const redis = createRedis(url, 'worker');
const notifier = new LogNotifier(logger, '#ops');
const latencies: number[] = [];

const noop = defineAction({
  name: 'notify',
  description: 'bench: records receipt-to-start latency',
  create: () => async (job) => {
    latencies.push(Date.now() - job.data.receivedAt);
    return { outcome: 'noop' };
  },
});

const workers = await startWorkers(
  config,
  [noop],
  { config, redis, notifier, threads: new IncidentThreads(redis, notifier, config.redis.prefix), logger, env: {} },
  logger,
);
await Promise.all(workers.workers.map((w) => w.waitUntilReady()));
tell('ready');
process.on('message', () => undefined);
let stopping = false;
// process.on, not once: a second SIGTERM while closing must not kill it (a --cpu-prof profile is written at exit).
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    tell('result', {
      jobs: latencies.length,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: Math.max(0, ...latencies),
    });
    await workers.close(2_000);
    redis.disconnect();
    process.exit(0);
  })();
});
