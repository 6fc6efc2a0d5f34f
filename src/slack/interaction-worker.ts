import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient as Redis } from '../redis.js';
import { AlertmanagerClient } from '../alertmanager/client.js';
import { expireApproval, EXPIRY_JOB, type ExpiryJobData } from '../approvals/approval-expiry.js';
import { ApprovalStore } from '../approvals/approval-store.js';
import type { AppConfig } from '../config/schema.js';
import { AlertworksError, RetryLaterError, errorCode } from '../errors.js';
import type { ChatNotifier } from '../notify/notifier.js';
import type { IncidentThreads } from '../notify/threads.js';
import type { Logger } from '../observability/logger.js';
import { defaultJobOptions } from '../queue/queues.js';
import { closeRedis, createRedis } from '../redis.js';
import { Acknowledgements } from './acknowledgements.js';
import { ButtonStore } from './button-store.js';
import { who, type InteractionContext } from './handlers/handler.js';
import { createAuditTrail } from '../audit/create-audit-trail.js';
import { handlerFor } from './handlers/index.js';
import { INTERACTIONS_QUEUE, type ClickJobData } from './interaction-intake.js';
import { countInteraction } from './metrics.js';
import { Approvers, LogInteractionApi, SlackWebInteractionApi } from './slack-api.js';

export interface InteractionWorkerDeps {
  config: AppConfig;
  redis: Redis;
  threads: IncidentThreads;
  notifier: ChatNotifier;
  logger: Logger;
}

export interface RunningInteractions {
  /** With `force`, active clicks are not waited for (their locks lapse and they are retried). */
  close(options?: { force?: boolean }): Promise<void>;
}

/** Builds what click handlers share. */
export function interactionContext(deps: InteractionWorkerDeps, queues: Map<string, Queue>): InteractionContext {
  const { config, redis, threads, notifier, logger } = deps;
  const prefix = config.redis.prefix;
  const slack = config.slack.token ? new SlackWebInteractionApi(config.slack.token, config.slack.apiUrl) : new LogInteractionApi(logger);
  const am = config.alertmanager;
  return {
    config,
    redis,
    threads,
    notifier,
    buttons: new ButtonStore(redis, prefix),
    approvals: new ApprovalStore(redis, prefix),
    acks: new Acknowledgements(redis, threads, prefix),
    approvers: new Approvers(config.slack.approvers, slack),
    slack,
    audit: createAuditTrail(redis, config, logger),
    ...(am.url ? { alertmanager: new AlertmanagerClient({ url: am.url, apiPrefix: am.apiPrefix, token: am.token, timeoutMs: am.timeout }) } : {}),
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: redis, prefix, defaultJobOptions: defaultJobOptions(config), skipWaitingForReady: true });
        q.on('error', () => undefined);
        queues.set(name, q);
      }
      return q;
    },
    logger,
  };
}

/** Works the interactions queue: clicks and approval expiries. */
export function startInteractionWorker(deps: InteractionWorkerDeps): RunningInteractions {
  const queues = new Map<string, Queue>();
  const ctx = interactionContext(deps, queues);
  const log = deps.logger.child({ queue: INTERACTIONS_QUEUE });
  const connection = createRedis(deps.config.redis, 'worker');
  const worker = new Worker(
    INTERACTIONS_QUEUE,
    async (job: Job, token?: string) => {
      try {
        if (job.name === EXPIRY_JOB) return { outcome: await expireApproval(ctx.approvals, ctx.threads, job.data as ExpiryJobData) };
        return await processClick(ctx, job as Job<ClickJobData>, log);
      } catch (err) {
        if (err instanceof RetryLaterError) {
          await job.moveToDelayed(Date.now() + err.delayMs, token);
          throw new DelayedError();
        }
        if (err instanceof AlertworksError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        log.warn({ code: errorCode(err), err, attempt: job.attemptsMade + 1 }, 'interaction job failed; will retry');
        throw err;
      }
    },
    { connection, prefix: deps.config.redis.prefix, concurrency: 4, maxStalledCount: 3, stalledInterval: 15_000, lockDuration: 30_000 },
  );
  worker.on('error', (err) => log.warn({ err }, 'worker error'));
  worker.on('failed', (job, err) => {
    if (job && job.name === 'click' && (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1)))
      countInteraction('unknown', 'failed');
  });
  return {
    async close(options = {}) {
      if (options.force) connection.disconnect();
      await worker.close(options.force);
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      await closeRedis(connection);
    },
  };
}

/** One click: its record decides what it may do; every click is logged, counted and written in the thread. */
export async function processClick(ctx: InteractionContext, job: Job<ClickJobData>, log: Logger): Promise<{ outcome: string }> {
  const { click } = job.data;
  const audit = { slack_user_id: click.user.id, slack_user_name: click.user.name, button: click.buttonId.slice(0, 8), via: job.data.via };
  const record = await ctx.buttons.get(click.buttonId);
  const handler = record && handlerFor(record.kind);
  if (!record || !handler) {
    countInteraction('unknown', 'unknown_button');
    log.warn({ ...audit, outcome: 'unknown_button' }, 'slack interaction: a button alertworks never issued (or long expired)');
    if (click.channel)
      await ctx.slack.postEphemeral(click.channel, click.user.id, 'alertworks does not know this button (it expired or was never issued). Nothing was done.');
    return { outcome: 'unknown_button' };
  }
  const clickId = String(job.id);
  let result;
  try {
    result = await handler.handle(ctx, record as never, click, clickId);
  } catch (err) {
    // Retried while a retry may help; the last attempt (or a permanent failure) is still written in the thread.
    const lastAttempt = job.attemptsMade + 1 >= (job.opts?.attempts ?? 1);
    if (err instanceof AlertworksError && err.retryable && !lastAttempt) throw err;
    if (!(err instanceof AlertworksError) && !lastAttempt) throw err;
    result = {
      outcome: 'failed' as const,
      thread: { text: `:x: ${who(click)} clicked ${handler.action.replace('_', ' ')}, but it failed (${errorCode(err)}). Nothing was done.` },
    };
  }
  countInteraction(handler.action, result.outcome);
  log.info({ ...audit, action: handler.action, outcome: result.outcome, incident: record.incident }, 'slack interaction');
  // Answered in the thread the button was clicked in, never in a new one: the incident's thread
  // may be closed (the incident is over), also by another job while this click is worked.
  const open = await ctx.threads.get(record.incident);
  const clickedIn = click.message ? { channel: click.channel ?? open?.channel ?? '', ts: click.message.threadTs ?? click.message.ts } : undefined;
  await ctx.threads.say(record.incident, result.thread, { step: `click:${clickId}`, ...(clickedIn || open ? { root: clickedIn ?? open } : {}) });
  if (result.ephemeral) {
    const root = await ctx.threads.get(record.incident);
    const channel = click.channel ?? root?.channel;
    if (channel) await ctx.slack.postEphemeral(channel, click.user.id, result.ephemeral).catch((err) => log.warn({ err }, 'ephemeral answer failed'));
  }
  return { outcome: result.outcome };
}
