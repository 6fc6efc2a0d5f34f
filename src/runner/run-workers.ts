import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis.js';
import { context, propagation, SpanKind, type Span } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import { Counter } from 'prom-client';
import { AlertworksError, RetryLaterError, errorCode, errorReason } from '../errors.js';
import { ERROR_REASONS } from '../failure.js';
import type { Logger } from '../observability/logger.js';
import { withLogContext } from '../observability/context.js';
import { jobDuration, jobsTotal, registry } from '../observability/metrics.js';
import { LogGate, errorKey } from '../observability/log-gate.js';
import { scrub } from '../observability/redact.js';
import { recordError, tracer } from '../observability/tracing.js';
import type { Action, ActionProcessor, ActionResult, ActionRuntime, AlertJob } from '../action.js';
import { closeRedis, createRedis, withTimeout } from '../redis.js';

export interface JobObserver {
  /** Called when a job starts running (active-jobs gauge). */
  onJobStarted?(info: { queue: string; action: string }): void;
  /** Called after every job, whatever its outcome (Pushgateway reporting hooks in here). */
  onJobFinished?(info: { queue: string; action: string; outcome: string; durationSeconds: number }): void;
  /** Called with a job's result, or its failure once no retry is left (the audit trail). Awaited; errors are logged. */
  onJobResult?(info: { action: string; job: AlertJob; result?: ActionResult; failure?: { code: string; message: string } }): Promise<void>;
}

/** Failed job attempts by the failure taxonomy (src/failure.ts): a closed set of reasons. */
export const jobFailures = new Counter({
  name: 'alertworks_job_failures_total',
  help: `Failed job attempts by queue, action, reason (${ERROR_REASONS.join(', ')}) and outcome (delayed, retry, given_up).`,
  labelNames: ['queue', 'action', 'reason', 'outcome'] as const,
  registers: [registry],
});

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
  actionList: readonly Action<unknown>[],
  base: Omit<ActionRuntime<unknown>, 'settings' | 'credentials'>,
  logger: Logger,
  observer: JobObserver = {},
): Promise<RunningWorkers> {
  const workers: Worker[] = [];
  const connections: RedisClient[] = [];
  // A Redis that refuses writes makes every worker fail thousands of times a second: one line per kind and window.
  const gate = new LogGate(logger);
  // By key: the config type knows each registered action's sections, this loop any action's.
  const sections: Readonly<Record<string, unknown>> = config.sections;
  for (const action of actionList) {
    const settings = action.settings ? sections[action.settings.key] : undefined;
    const credentials = Object.fromEntries(Object.keys(action.credentials ?? {}).map((key) => [key, sections[key]]));
    const processor = await action.create({ ...base, settings, credentials });
    const connection = createRedis(config.redis, 'worker');
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
    worker.on('error', (err) => gate.log('warn', errorKey(`worker ${action.name}`, err), { err, queue: action.name }, 'worker error'));
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

export function wrapProcessor(action: Action<unknown>, processor: ActionProcessor, logger: Logger, observer: JobObserver) {
  return async (job: AlertJob, token?: string) => {
    const parent = propagation.extract(context.active(), { traceparent: job.data.traceparent, tracestate: job.data.tracestate });
    return context.with(parent, () =>
      withLogContext({ job_id: job.id, queue: job.queueName, action: action.name }, () =>
        tracer.startActiveSpan(
          // `job.<action>`: one consumer span per attempt, child of the webhook request that queued it.
          `job.${action.name}`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              'messaging.system': 'bullmq',
              'messaging.destination.name': job.queueName,
              'messaging.message.id': job.id ?? '',
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'alertworks.job.attempt': job.attemptsMade + 1,
            },
          },
          (span) => runJob(action, processor, job, token, logger, observer, span).finally(() => span.end()),
        ),
      ),
    );
  };
}

async function runJob(
  action: Action<unknown>,
  processor: ActionProcessor,
  job: AlertJob,
  token: string | undefined,
  logger: Logger,
  observer: JobObserver,
  span?: Span,
) {
  const started = process.hrtime.bigint();
  const labels = { queue: job.queueName, action: action.name };
  let outcome = 'failed';
  notify(logger, () => observer.onJobStarted?.(labels));
  try {
    const result = await processor(job);
    outcome = result.outcome;
    // LOG_LEVEL=debug: the whole result (why nothing was done: reason, remainingMs, volume, ...).
    logger.info({ outcome, attempt: job.attemptsMade + 1, ...(logger.isLevelEnabled('debug') ? { result } : {}) }, 'job done');
    await report(logger, () => observer.onJobResult?.({ action: action.name, job, result }));
    return result;
  } catch (err) {
    const code = errorCode(err);
    const reason = errorReason(err);
    // The original error, with its stable code as error.type (not the BullMQ wrapper thrown below).
    if (span) recordError(span, err);
    if (err instanceof RetryLaterError) {
      outcome = 'delayed';
      jobFailures.inc({ ...labels, reason, outcome: 'delayed' });
      logger.info({ code, reason, delayMs: err.delayMs }, 'job delayed: remote side asked to retry later');
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError();
    }
    const message = scrub(err instanceof Error ? err.message : String(err));
    if (err instanceof AlertworksError && !err.retryable) {
      outcome = 'failed';
      jobFailures.inc({ ...labels, reason, outcome: 'given_up' });
      logger.error({ code, reason, err }, 'job failed permanently');
      await report(logger, () => observer.onJobResult?.({ action: action.name, job, failure: { code, message } }));
      throw new UnrecoverableError(`${code}: ${message}`);
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    outcome = lastAttempt ? 'failed' : 'retry';
    jobFailures.inc({ ...labels, reason, outcome: lastAttempt ? 'given_up' : 'retry' });
    logger.warn(
      { code, reason, err, attempt: job.attemptsMade + 1, lastAttempt },
      lastAttempt ? 'job failed after its last attempt' : 'job failed; will retry',
    );
    if (lastAttempt) await report(logger, () => observer.onJobResult?.({ action: action.name, job, failure: { code, message } }));
    const safe = new Error(`${code}: ${message}`);
    throw safe;
  } finally {
    const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    jobsTotal.inc({ ...labels, outcome });
    jobDuration.observe(labels, durationSeconds);
    span?.setAttribute('alertworks.job.outcome', outcome);
    notify(logger, () => observer.onJobFinished?.({ ...labels, outcome, durationSeconds }));
  }
}

async function report(logger: Logger, call: () => Promise<void> | undefined): Promise<void> {
  try {
    await call();
  } catch (err) {
    logger.warn({ err }, 'job observer failed');
  }
}

/** Observers report on jobs; a bug in one must never fail the job it reports on. */
function notify(logger: Logger, call: () => void): void {
  try {
    call();
  } catch (err) {
    logger.warn({ err }, 'job observer failed');
  }
}

export type { Job };
