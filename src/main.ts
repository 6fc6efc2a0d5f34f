import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { AppConfig } from './config/schema.js';
import { logger as rootLogger, type Logger } from './observability/logger.js';
import { registerSecret, registerSecretsFromEnv } from './observability/redact.js';
import { closeRedis, createRedis, describeRedisUrl, waitForRedis, withTimeout } from './redis.js';
import { QueueSet } from './queue/queues.js';
import { createApp } from './server/app.js';
import { createProbeApp } from './server/probe-app.js';
import { isAuthConfigured } from './server/auth.js';
import { startWorkers, type RunningWorkers } from './worker/run-workers.js';
import { actions } from '../workers/registry.js';
import { createNotifier } from './notify/create-notifier.js';
import { IncidentThreads } from './notify/threads.js';
import { CHECKS_QUEUE, startCheckScheduler, type RunningCheckScheduler } from '../jobs/scheduler.js';
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

export async function run(options: RunOptions): Promise<RunningService> {
  const { role, config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? rootLogger;
  registerSecretsFromEnv(env);
  for (const t of config.server.auth.bearerTokens) registerSecret(t);
  for (const u of config.server.auth.basic) registerSecret(u.password);
  registerSecret(config.slack.token);
  registerSecret(config.github.token);
  registerSecret(config.hetzner.token);
  registerSecret(config.slack.signingSecret);
  registerSecret(config.slack.appToken);
  registerSecret(config.alertmanager.token);

  const serving = role === 'serve' || role === 'all';
  const working = role === 'work' || role === 'all';
  if (serving && !isAuthConfigured(config.server.auth) && !options.insecureNoAuth) {
    throw new StartupError(
      'refusing to start the receiver without auth: set WEBHOOK_TOKEN (or server.auth in the config), or pass --insecure-no-auth for a loopback-only test',
    );
  }

  const redis = createRedis(config.redis.url, 'producer');
  try {
    await waitForRedis(redis, 10_000);
  } catch {
    logger.warn({ redis: describeRedisUrl(config.redis.url) }, 'Redis not reachable yet; starting anyway, /readyz says 503 until it is');
  }
  const queues = new QueueSet(redis, config, observedQueueNames());

  let server: ServerType | undefined;
  let port: number | undefined;
  if (serving) {
    // Loaded by the receiver only: the queue dashboard's UI stack is dead weight in a worker.
    const { mountOperatorUi } = await import('./ui/operator-ui.js');
    const app = createApp({
      config, queues, redis, logger, insecureNoAuth: options.insecureNoAuth,
      extend: (a, auth) => mountOperatorUi(a, auth, { config, redis, queues }),
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, (info) => {
        port = info.port;
        resolve();
      });
    });
    logger.info({ port, host: config.server.host, role }, 'receiver listening');
  } else {
    // The work role serves /healthz, /readyz and /metrics only (container HEALTHCHECK, scrapes
    // of job and check metrics). Port taken (a serve process on the same host): run without it.
    const app = createProbeApp({ redis, queues, logger });
    const listening = await new Promise<ServerType | undefined>((resolve) => {
      const s = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, (info) => {
        port = info.port;
        resolve(s);
      });
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
    stateRedis = createRedis(config.redis.url, 'worker');
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
    workers = await startWorkers(config, actions, { config, redis: stateRedis, notifier, threads, logger, env }, logger, pushReporter);
    logger.info({ queues: queueNames(), notifier: notifier.kind, dryRun: config.dryRun }, 'workers started');
    // Always started: with no checks configured it still removes schedules of checks that left the config.
    checks = await startCheckScheduler({ config, redis: stateRedis, threads, logger });
    interactivity = await startInteractivity({ config, redis: stateRedis, threads, notifier, logger });
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new requests, letting active jobs finish');
        if (server) await closeServer(server as Server);
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
