import { Queue, Worker, type Job } from 'bullmq';
import { Histogram } from 'prom-client';
import { createRedis } from '../src/redis.js';
import { registry } from '../src/observability/metrics.js';
import { withLogContext } from '../src/observability/context.js';
import type { AppConfig } from '../src/config/schema.js';
import { executeCheck, findCheck, type CheckRunDeps } from './check-runner.js';
import { forgetCheckMetrics } from './check-metrics.js';
import { CheckHistory } from '../src/history/check-history.js';
import { pushReporter } from '../src/observability/pushgateway.js';

export const CHECKS_QUEUE = 'checks';
const SCHEDULER_PREFIX = 'check:';

export interface CheckJobData {
  check: string;
}

const scheduleDelay = new Histogram({
  name: 'alertworks_check_schedule_delay_seconds',
  help: 'Time from a check run\'s scheduled moment to the start of its probe (scheduler drift).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export function schedulerId(name: string): string {
  return `${SCHEDULER_PREFIX}${name}`;
}

/**
 * Where in its interval a check runs: a stable hash of its name, like Prometheus spreads scrape
 * targets. Without it every check of one interval would fire at the same instant (they are all
 * upserted at start) and queue behind each other; with it the same load arrives evenly.
 */
export function spreadOffset(name: string, intervalMs: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h % intervalMs;
}

/**
 * Makes the queue's job schedulers match the config: one per check (upsert is keyed by the
 * check name, so any number of replicas leave exactly one), none for checks that left it.
 */
export async function syncCheckSchedules(queue: Queue<CheckJobData>, config: AppConfig): Promise<{ upserted: string[]; removed: string[] }> {
  const keep = config.checkRunner.keepJobs;
  const upserted: string[] = [];
  for (const check of config.checks) {
    await queue.upsertJobScheduler(
      schedulerId(check.name),
      { every: check.intervalMs, offset: spreadOffset(check.name, check.intervalMs) },
      // One attempt plus one retry: a retry re-probes but records nothing twice (runAt dedup) and finishes notifying.
      { name: 'check', data: { check: check.name }, opts: { attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: keep, removeOnFail: keep } },
    );
    upserted.push(check.name);
  }
  const wanted = new Set(config.checks.map((c) => schedulerId(c.name)));
  const removed: string[] = [];
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      forgetCheckMetrics(id.slice(SCHEDULER_PREFIX.length));
      removed.push(id.slice(SCHEDULER_PREFIX.length));
    }
  }
  return { upserted, removed };
}

/** The moment a scheduler meant this run for: its job id is `repeat:<scheduler>:<millis>`. */
export function scheduledAt(job: Job<CheckJobData>): number {
  const fromId = /:(\d+)$/.exec(job.id ?? '');
  return fromId ? Number(fromId[1]) : job.timestamp + (job.opts.delay ?? 0);
}

export interface CheckSchedulerOptions extends CheckRunDeps {
  /** Observes each run's start (the drift benchmark uses it). */
  onRunStart?(info: { check: string; scheduledAt: number; startedAt: number }): void;
  /** Upsert/remove schedules at start. @defaultValue true */
  sync?: boolean;
}

export interface RunningCheckScheduler {
  /** Settles once the schedules match the config (or setting them up failed, which is logged). */
  synced: Promise<void>;
  queue: Queue<CheckJobData>;
  worker: Worker<CheckJobData>;
  close(): Promise<void>;
}

/**
 * Runs the configured checks: BullMQ Job Schedulers on the `checks` queue create one job per
 * check per interval, each at its own offset in the interval (spreadOffset); a worker with
 * `checkRunner.concurrency` slots probes them. A job is made
 * when the previous one of its scheduler starts, so a slow check delays no schedule; only a
 * full worker (all slots busy) delays a start.
 */
export async function startCheckScheduler(options: CheckSchedulerOptions): Promise<RunningCheckScheduler> {
  const { config, logger } = options;
  const queueConnection = createRedis(config.redis.url, 'worker');
  const workerConnection = createRedis(config.redis.url, 'worker');
  const queue = new Queue<CheckJobData>(CHECKS_QUEUE, { connection: queueConnection, prefix: config.redis.prefix });
  queue.on('error', (err) => logger.warn({ err }, 'checks queue error'));
  // Not awaited by startup: with Redis away the upserts wait for it, and the process must still start.
  const synced =
    options.sync === false
      ? Promise.resolve()
      : syncCheckSchedules(queue, config).then(
          async ({ removed }) => {
            // A check that left the config takes its history along: history memory is per configured check.
            const history = new CheckHistory(options.redis, config.redis.prefix);
            for (const name of removed) await history.forget(name);
            logger.info({ checks: config.checks.length, removed }, 'check schedules in place');
          },
          (err: unknown) => logger.error({ err }, 'could not set up check schedules'),
        );

  const worker = new Worker<CheckJobData>(
    CHECKS_QUEUE,
    async (job) => {
      const startedAt = Date.now();
      const runAt = scheduledAt(job);
      scheduleDelay.observe(Math.max(0, startedAt - runAt) / 1000);
      options.onRunStart?.({ check: job.data.check, scheduledAt: runAt, startedAt });
      const found = findCheck(config, job.data.check);
      if (!found) {
        // Scheduled by a replica with another config; the one that removed it has the final word.
        logger.info({ check: job.data.check }, 'check not in this config; skipped');
        return { outcome: 'unknown_check' };
      }
      return withLogContext({ check: found.check.name, job_id: job.id }, () =>
        // Job figures (duration, outcome, last success) of the `checks` group on the Pushgateway.
        pushReporter.reportJob(CHECKS_QUEUE, async () => {
          const { result, transition } = await executeCheck(found.check, found.type, runAt, options);
          return { outcome: result.success ? 'success' : 'failure', reason: result.failureReason, transition };
        }),
      );
    },
    { connection: workerConnection, prefix: config.redis.prefix, concurrency: config.checkRunner.concurrency, lockDuration: 60_000, stalledInterval: 30_000 },
  );
  worker.on('error', (err) => logger.warn({ err }, 'checks worker error'));
  worker.on('failed', (job, err) => logger.warn({ check: job?.data.check, err }, 'check job failed'));

  return {
    synced,
    queue,
    worker,
    async close() {
      await Promise.race([synced, new Promise((r) => setTimeout(r, 2_000).unref())]);
      await worker.close();
      await queue.close();
      await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
    },
  };
}

