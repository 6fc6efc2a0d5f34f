import type { Server, ServerOptions } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { AppConfig } from './config/schema.js';
import { logger as rootLogger, type Logger } from './observability/logger.js';
import { registerSecretsFromEnv } from './observability/redact.js';
import { closeRedis, createRedis, describeRedis, redisUnavailable, waitForRedis, withTimeout } from './redis.js';
import { QueueSet } from './queue/queues.js';
import { WebhookSpool, defaultSpoolDir } from './queue/spool.js';
import { createApp } from './server/app.js';
import { createProbeApp } from './server/probe-app.js';
import { isAuthConfigured } from './server/auth.js';
import { startWorkers, type JobObserver, type RunningWorkers } from './runner/run-workers.js';
import { WorkerLiveness } from './runner/worker-liveness.js';
import { AuditTrail } from './audit/audit-trail.js';
import { createAuditTrail } from './audit/create-audit-trail.js';
import { auditJob } from './audit/job-audit.js';
import { actions } from '../actions/registry.js';
import { createNotifier } from './notify/create-notifier.js';
import { IncidentThreads } from './notify/threads.js';
import { CHECKS_QUEUE, startCheckScheduler, type RunningCheckScheduler } from '../checks/scheduler.js';
import { pushReporter } from './observability/pushgateway.js';
import { startInteractivity, type RunningInteractivity } from './slack/interactivity.js';
import { INTERACTIONS_QUEUE } from './slack/interaction-intake.js';

export type Role = 'serve' | 'work' | 'all';

export interface RunOptions {
  role: Role;
  config: AppConfig;
  insecureNoAuth?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface RunningService {
  /** Bound HTTP port (serve/all), for tests that listen on port 0. */
  port?: number;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Every queue: one per action (the receiver writes, workers read) and the checks queue. */
export function queueNames(): string[] {
  return [...actions.map((a) => a.name), CHECKS_QUEUE];
}

/** Every queue operators see (/admin/queues, `alertworks queues`, alertworks_queue_jobs): the actions', the checks' and Slack clicks'. */
export function observedQueueNames(): string[] {
  return [...queueNames(), CHECKS_QUEUE, INTERACTIONS_QUEUE];
}

/** How long startup waits for Redis before it starts anyway (/readyz says 503 until Redis is ready). */
const REDIS_START_WAIT_MS = 10_000;

export async function run(options: RunOptions): Promise<RunningService> {
  const { role, config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? rootLogger;
  // Secret-marked config fields were registered when the config was loaded (config/field-marks.ts).
  registerSecretsFromEnv(env);

  const serving = role === 'serve' || role === 'all';
  const working = role === 'work' || role === 'all';
  if (serving && !isAuthConfigured(config.server.auth) && !config.server.auth.hmac.secret && !options.insecureNoAuth) {
    throw new StartupError(
      'refusing to start the receiver without auth: set WEBHOOK_TOKEN or GRAFANA_WEBHOOK_SECRET (or server.auth in the config), or pass --insecure-no-auth for a loopback-only test',
    );
  }

  const redis = createRedis(config.redis, 'producer');
  try {
    await waitForRedis(redis, REDIS_START_WAIT_MS);
  } catch (err) {
    logger.warn(
      { redis: describeRedis(config.redis) },
      `${redisUnavailable(err, 'Redis', REDIS_START_WAIT_MS, { hint: false })}; starting anyway, /readyz says 503 until it is ready`,
    );
  }
  const queues = new QueueSet(redis, config, observedQueueNames());
  let liveness: WorkerLiveness | undefined;
  const intakeAudit = new AuditTrail(redis, config.redis.prefix, { ...config.audit, logger });

  let server: ServerType | undefined;
  let port: number | undefined;
  const spool = serving ? await openSpool(config, logger) : undefined;
  if (serving) {
    // Loaded by the receiver only: the queue dashboard's UI stack is dead weight in a worker.
    const { mountOperatorUi } = await import('./ui/operator-ui.js');
    const app = createApp({
      config,
      queues,
      redis,
      logger,
      insecureNoAuth: options.insecureNoAuth,
      spool,
      audit: intakeAudit,
      extend: (a) => void mountOperatorUi(a, { config, redis, queues, logger, insecureNoAuth: options.insecureNoAuth, audit: intakeAudit }),
    });
    await new Promise<void>((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host, serverOptions: listenerOptions(config) }, (info) => {
        port = info.port;
        resolve();
      });
      (server as Server).maxConnections = config.server.maxConnections;
      // Port taken or not ours to bind: one clear line (cli.ts), not a stack trace.
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, config.server.host, config.server.port)));
    }).catch(async (err: unknown) => {
      await spool?.close({ removeIfEmpty: !config.server.spool.dir });
      await withTimeout(queues.close(), 2_000, 'closing queues').catch(() => undefined);
      await closeRedis(redis);
      throw err;
    });
    logger.info({ port, host: config.server.host, role }, 'receiver listening');
  } else {
    // The work role serves /healthz, /readyz and /metrics only (container HEALTHCHECK, scrapes
    // of job and check metrics). Port taken (a serve process on the same host): run without it.
    const app = createProbeApp({ redis, queues, logger, notReadyReason: () => liveness?.notReadyReason() });
    const listening = await new Promise<ServerType | undefined>((resolve) => {
      const s = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host, serverOptions: listenerOptions(config) }, (info) => {
        port = info.port;
        resolve(s);
      });
      (s as Server).maxConnections = config.server.maxConnections;
      s.once('error', (err) => {
        logger.warn({ err, port: config.server.port }, 'work role: cannot listen for /healthz and /metrics; running without them');
        resolve(undefined);
      });
    });
    server = listening;
    if (server) logger.info({ port, host: config.server.host, role }, 'probes and metrics listening');
  }

  let workers: RunningWorkers | undefined;
  let stateRedis: ReturnType<typeof createRedis> | undefined;
  let checks: RunningCheckScheduler | undefined;
  let interactivity: RunningInteractivity | undefined;
  if (working) {
    stateRedis = createRedis(config.redis, 'worker');
    const notifier = await createNotifier(config, logger);
    const threads = new IncidentThreads(stateRedis, notifier, config.redis.prefix);
    const { pushgateway } = config;
    pushReporter.start({
      url: pushgateway.url,
      instance: pushgateway.instance,
      intervalMs: pushgateway.interval,
      timeoutMs: pushgateway.timeout,
      minPushIntervalMs: pushgateway.minPushInterval,
      queueCounts: () => queues.counts(),
      logger,
    });
    const runtime = { config, redis: stateRedis, notifier, threads, logger, env };
    const audit = createAuditTrail(stateRedis, config, logger);
    const routineActions = new Set(actions.filter((a) => a.routineOutcomes).map((a) => a.name));
    const observer: JobObserver = {
      onJobStarted: (info) => pushReporter.onJobStarted(info),
      onJobFinished: (info) => pushReporter.onJobFinished(info),
      // A job can run again only while it is kept: its records' guard keys live as long.
      onJobResult: (info) =>
        auditJob(audit, {
          ...info,
          guardTtlSeconds: Math.ceil((info.failure ? config.jobs.keepFailed : config.jobs.keepCompleted) / 1000),
          routine: routineActions.has(info.action),
        }),
    };
    workers = await startWorkers(config, actions, runtime, logger, observer);
    logger.info({ queues: queueNames(), notifier: notifier.kind, dryRun: config.dryRun, dryRunSource: config.dryRunSource }, 'workers started');
    // Always started: with no checks configured it still removes schedules of checks that left the config.
    checks = await startCheckScheduler({ config, redis: stateRedis, threads, logger, audit });
    const shared = [redis, stateRedis];
    liveness = new WorkerLiveness({
      config,
      logger,
      async recreateWorkers() {
        // Active jobs of stuck workers cannot finish anyway; their locks lapse and they are retried.
        const oldChecks = checks;
        await Promise.allSettled([workers?.close(1_000), oldChecks && withTimeout(oldChecks.worker.close(true), 3_000, 'closing check worker')]);
        if (oldChecks) {
          // Cut the old scheduler's own connections rather than wait on them: they may be the stuck ones.
          void oldChecks.close().catch(() => undefined);
          void Promise.allSettled([oldChecks.worker.disconnect(), oldChecks.queue.disconnect()]);
        }
        // Same client objects (notifier, threads and queues hold them), fresh sockets.
        for (const c of shared) c.disconnect(true);
        workers = await startWorkers(config, actions, runtime, logger, observer);
        // A new keeper syncs the schedules at once: a run that was active in a frozen worker
        // would otherwise hold its schedule's chain until its lock lapsed (up to a minute).
        checks = await startCheckScheduler({ config, redis: stateRedis!, threads, logger, audit });
        await interactivity?.recreateWorker();
        logger.info({ queues: queueNames() }, 'workers recreated');
      },
      stuckWorker: async () => checks?.stuckReason(config.jobs.livenessTimeout),
    });
    liveness.start();
    interactivity = await startInteractivity({ config, redis: stateRedis, threads, notifier, logger });
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new requests, letting active jobs finish');
        if (server) await closeServer(server as Server);
        await liveness?.close();
        // The default directory (under the temp directory) is removed when nothing waits in it.
        await spool?.close({ removeIfEmpty: !config.server.spool.dir });
        await checks?.close();
        await interactivity?.close();
        await workers?.close(config.jobs.shutdownTimeout);
        // Last push while Redis is still open, so queue sizes are fresh; bounded by its timeout.
        if (working) await pushReporter.stop();
        // With Redis away, close/quit would wait for a reconnect: bound them, then drop.
        await withTimeout(queues.close(), 2_000, 'closing queues').catch(() => undefined);
        await Promise.allSettled([closeRedis(redis), stateRedis && closeRedis(stateRedis)]);
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Slowloris limits for both listeners. Node checks them only every connectionsCheckingInterval
 * (30 s by default: a 60 s header timeout fired after 68 s), so the check runs at a quarter
 * of the header timeout, at most once a second.
 */
function listenerOptions(config: AppConfig): ServerOptions {
  const { headersTimeout, requestTimeout } = config.server;
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(headersTimeout / 4))) };
}

/** The receiver's spool (Grafana deliveries while Redis is away); without a usable directory, none. */
async function openSpool(config: AppConfig, logger: Logger): Promise<WebhookSpool | undefined> {
  const settings = config.server.spool;
  if (!settings.enabled) return undefined;
  const spool = new WebhookSpool(settings.dir ?? defaultSpoolDir(config.redis.url, config.redis.prefix), settings, logger);
  try {
    await spool.init();
  } catch (err) {
    logger.warn({ err, dir: spool.dir }, 'cannot use the spool directory: Grafana deliveries during a Redis outage will get 503 and be lost');
    return undefined;
  }
  if (spool.pending > 0) logger.info({ dir: spool.dir, waiting: spool.pending }, 'spooled webhooks from an earlier run wait for Redis');
  return spool;
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE')
    return new StartupError(
      `cannot listen on ${host}:${port}: the port is in use (another alertworks or another program); set PORT (or server.port) to a free port`,
    );
  if (err.code === 'EACCES')
    return new StartupError(`cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges); set PORT to 1024 or above`);
  if (err.code === 'EADDRNOTAVAIL') return new StartupError(`cannot listen on ${host}:${port}: no such address on this machine; set HOST (or server.host)`);
  return err;
}

/** How long requests in flight at shutdown get to finish before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Stops taking requests and answers the ones in flight. close() alone never finished under
 * load: it closes only idle keep-alive connections, and a client that keeps sending (as
 * Alertmanager does) keeps its connections busy forever, until the orchestrator's SIGKILL
 * also killed the workers' active jobs. So every later response says Connection: close,
 * and whatever is still open after a grace period is cut (its client retries, and a re-sent
 * alert is a duplicate, not a loss).
 */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.on('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(grace);
}
