import { Queue, Worker, type Job } from 'bullmq';
import { Histogram } from 'prom-client';
import { createRedis } from '../src/redis.js';
import { registry } from '../src/observability/metrics.js';
import { withLogContext } from '../src/observability/context.js';
import { executeCheck, findCheck, type CheckRunDeps } from './check-runner.js';
import { initCheckRunMetrics, observeRun } from './check-metrics.js';
import { CheckHistory } from '../src/history/check-history.js';
import { pushReporter } from '../src/observability/pushgateway.js';
import { LogGate, errorKey } from '../src/observability/log-gate.js';
import { ScheduleKeeper, type CheckJobData, type SyncOutcome } from './schedule-keeper.js';

export const CHECKS_QUEUE = 'checks';
export { spreadOffset, type CheckJobData } from './schedule-keeper.js';

const scheduleDelay = new Histogram({
  name: 'alertworks_check_schedule_delay_seconds',
  help: "Time from a check run's scheduled moment to the start of its probe (scheduler drift).",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** The moment a scheduler meant this run for: its job id is `repeat:<scheduler>:<millis>`. */
function scheduledAt(job: Job<CheckJobData>): number {
  const fromId = /:(\d+)$/.exec(job.id ?? '');
  return fromId ? Number(fromId[1]) : job.timestamp + (job.opts.delay ?? 0);
}

export interface CheckSchedulerOptions extends CheckRunDeps {
  /** Observes each run's start (the drift benchmark uses it). */
  onRunStart?(info: { check: string; scheduledAt: number; startedAt: number }): void;
  /** Keep the schedules derived from the config (at start, on reconnect, periodically). @defaultValue true */
  sync?: boolean;
}

export interface RunningCheckScheduler {
  /** Settles once the first sync is done (or failed, which is logged and retried), with its outcome (none without a keeper or when it failed). */
  synced: Promise<SyncOutcome | undefined>;
  queue: Queue<CheckJobData>;
  worker: Worker<CheckJobData>;
  /** Absent with `sync: false`. */
  keeper?: ScheduleKeeper;
  /**
   * Why this replica's check worker looks stuck, or undefined: it has free slots and took no
   * job for `timeoutMs` while a run waits more than `timeoutMs` past its moment. The canary
   * proves a worker made like the action workers can take jobs; this watches the check worker
   * itself, whose fetch loop a failover once froze while the canary went on.
   */
  stuckReason(timeoutMs: number): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Whether a check worker is stuck: free slots, no job taken for `timeoutMs`, and the run it
 * would take next (`nextDue`, its scheduled moment) more than `timeoutMs` overdue.
 */
export function checkWorkerStuck(s: { now: number; timeoutMs: number; freeSlots: number; lastStartedAt: number; nextDue: number }): boolean {
  return s.freeSlots > 0 && s.now - s.lastStartedAt > s.timeoutMs && s.now - s.nextDue > s.timeoutMs;
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
  const queueConnection = createRedis(config.redis, 'worker');
  const workerConnection = createRedis(config.redis, 'worker');
  const queue = new Queue<CheckJobData>(CHECKS_QUEUE, { connection: queueConnection, prefix: config.redis.prefix });
  // While Redis refuses writes these fire thousands of times a second: one line per kind and window.
  const gate = new LogGate(logger);
  queue.on('error', (err) => gate.log('warn', errorKey('checks queue', err), { err }, 'checks queue error'));
  initCheckRunMetrics(config.checks, Date.now());
  let inFlight = 0;
  let lastStartedAt = Date.now();
  const worker = new Worker<CheckJobData>(
    CHECKS_QUEUE,
    async (job) => {
      inFlight++;
      try {
        return await runCheckJob(job);
      } finally {
        inFlight--;
      }
    },
    // Started once this replica's config owns the schedules (ScheduleKeeper), paused while another one does.
    {
      connection: workerConnection,
      prefix: config.redis.prefix,
      concurrency: config.checkRunner.concurrency,
      lockDuration: 60_000,
      stalledInterval: 30_000,
      autorun: false,
    },
  );
  async function runCheckJob(job: Job<CheckJobData>) {
    const startedAt = Date.now();
    lastStartedAt = startedAt;
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
        observeRun(found.check.name, Date.now());
        return { outcome: result.success ? 'success' : 'failure', reason: result.failureReason, transition };
      }),
    );
  }
  worker.on('error', (err) => gate.log('warn', errorKey('checks worker', err), { err }, 'checks worker error'));
  worker.on('failed', (job, err) => gate.log('warn', errorKey(`check job ${job?.data.check}`, err), { check: job?.data.check, err }, 'check job failed'));

  const keeper =
    options.sync === false
      ? undefined
      : new ScheduleKeeper({
          queue,
          connection: queueConnection,
          redis: options.redis,
          config,
          logger,
          threads: options.threads,
          async onOwnership(owner) {
            if (owner && (worker.isPaused() || !worker.isRunning())) await worker.resume();
            else if (!owner && !worker.isPaused()) await worker.pause(true);
          },
          // A check that left the config takes its history along: history memory is per configured check.
          async onRemoved(checks) {
            const history = new CheckHistory(options.redis, config.redis.prefix);
            for (const name of checks) await history.forget(name);
          },
        });
  // Not awaited by startup: with Redis away the first sync waits for it, and the process must still start.
  const synced = keeper ? keeper.start() : worker.resume().then(() => undefined);

  return {
    synced,
    queue,
    worker,
    keeper,
    async stuckReason(timeoutMs) {
      const now = Date.now();
      const figures = { now, timeoutMs, freeSlots: config.checkRunner.concurrency - inFlight, lastStartedAt };
      // Paused (another config owns the schedules), busy or at work lately: not stuck, and Redis is not asked.
      if (worker.isPaused() || !worker.isRunning() || !checkWorkerStuck({ ...figures, nextDue: -Infinity })) return undefined;
      // The run this worker would take next (the tail of the wait list), and when it was due.
      const [next] = await queue.getJobs(['wait'], 0, 0, true);
      if (!next || !checkWorkerStuck({ ...figures, nextDue: scheduledAt(next) })) return undefined;
      return `check worker took no job for ${Math.round((now - lastStartedAt) / 1000)}s with ${figures.freeSlots} free slots while a run waits ${Math.round((now - scheduledAt(next)) / 1000)}s past its moment`;
    },
    async close() {
      await Promise.race([synced, new Promise((r) => setTimeout(r, 2_000).unref())]);
      await keeper?.stop();
      await worker.close();
      await queue.close();
      await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
    },
  };
}
