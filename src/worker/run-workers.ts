import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { context, propagation, SpanKind } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import { AlertworksError, RetryLaterError, errorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { withLogContext } from '../observability/context.js';
import { jobDuration, jobsTotal } from '../observability/metrics.js';
import { scrub } from '../observability/redact.js';
import { withSpan } from '../observability/tracing.js';
import type { Action, ActionProcessor, ActionRuntime, AlertJob } from '../../workers/action.js';
import { closeRedis, createRedis, withTimeout } from '../redis.js';

export interface JobObserver {
  /** Called after every job, whatever its outcome (Pushgateway reporting hooks in here). */
  onJobFinished?(info: { queue: string; action: string; outcome: string; durationSeconds: number }): void;
}

export interface RunningWorkers {
  workers: Worker[];
  close(timeoutMs: number): Promise<void>;
}

/**
 * Runs one BullMQ worker per action. The processor wrapper is where failures are sorted:
 * RetryLaterError → delayed for the time the remote side asked (no attempt used);
 * a non-retryable AlertworksError → UnrecoverableError (no retry, reason kept);
 * anything else → thrown, retried with exponential backoff and jitter.
 */
export async function startWorkers(
  config: AppConfig,
  actionList: readonly Action<any>[],
  base: Omit<ActionRuntime<unknown>, 'settings'>,
  logger: Logger,
  observer: JobObserver = {},
): Promise<RunningWorkers> {
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const action of actionList) {
    const settings = action.settings ? config.sections[action.settings.key] : undefined;
    const processor = await action.create({ ...base, settings });
    const connection = createRedis(config.redis.url, 'worker');
    connections.push(connection);
    const worker = new Worker(action.name, wrapProcessor(action, processor, logger, observer), {
      connection,
      prefix: config.redis.prefix,
      concurrency: action.concurrency ?? config.jobs.concurrency,
      // A stalled job (its worker died) is picked up again: at-least-once delivery.
      maxStalledCount: 3,
      stalledInterval: 15_000,
      lockDuration: 30_000,
    });
    worker.on('error', (err) => logger.warn({ err, queue: action.name }, 'worker error'));
    workers.push(worker);
  }
  return {
    workers,
    async close(timeoutMs: number) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref())]);
      if (timedOut) {
        logger.warn({ timeoutMs }, 'active jobs did not finish in time; closing workers (their jobs will be retried)');
        await withTimeout(Promise.all(workers.map((w) => w.close(true))), 2_000, 'force-closing workers').catch(() => undefined);
      }
      await Promise.allSettled(connections.map((c) => closeRedis(c)));
    },
  };
}

export function wrapProcessor(action: Action<any>, processor: ActionProcessor, logger: Logger, observer: JobObserver) {
  return async (job: AlertJob, token?: string) => {
    const parent = propagation.extract(context.active(), { traceparent: job.data.traceparent, tracestate: job.data.tracestate });
    return context.with(parent, () =>
      withLogContext({ job_id: job.id, queue: job.queueName, action: action.name }, () =>
        withSpan(
          `${action.name.replace(/-/g, '_')}.process`,
          { 'messaging.system': 'bullmq', 'messaging.destination.name': job.queueName, 'messaging.message.id': job.id ?? '', 'messaging.operation.type': 'process' },
          () => runJob(action, processor, job, token, logger, observer),
          SpanKind.CONSUMER,
        ),
      ),
    );
  };
}

async function runJob(action: Action<any>, processor: ActionProcessor, job: AlertJob, token: string | undefined, logger: Logger, observer: JobObserver) {
  const started = process.hrtime.bigint();
  const labels = { queue: job.queueName, action: action.name };
  let outcome = 'failed';
  try {
    const result = await processor(job);
    outcome = result.outcome;
    logger.info({ outcome, attempt: job.attemptsMade + 1 }, 'job done');
    return result;
  } catch (err) {
    const code = errorCode(err);
    if (err instanceof RetryLaterError) {
      outcome = 'delayed';
      logger.info({ code, delayMs: err.delayMs }, 'job delayed: remote side asked to retry later');
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError();
    }
    const message = scrub(err instanceof Error ? err.message : String(err));
    if (err instanceof AlertworksError && !err.retryable) {
      outcome = 'failed';
      logger.error({ code, err }, 'job failed permanently');
      throw new UnrecoverableError(`${code}: ${message}`);
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    outcome = lastAttempt ? 'failed' : 'retry';
    logger.warn({ code, err, attempt: job.attemptsMade + 1, lastAttempt }, lastAttempt ? 'job failed after its last attempt' : 'job failed; will retry');
    const safe = new Error(`${code}: ${message}`);
    throw safe;
  } finally {
    const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    jobsTotal.inc({ ...labels, outcome });
    jobDuration.observe(labels, durationSeconds);
    observer.onJobFinished?.({ ...labels, outcome, durationSeconds });
  }
}

export type { Job };
