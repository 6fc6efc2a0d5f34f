import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { RedisClient } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { httpDuration, httpRequests } from '../observability/metrics.js';
import { compileRoutes } from '../queue/routing.js';
import type { QueueSet } from '../queue/queues.js';
import { requireAuth } from './auth.js';
import { traceRequests } from './trace-requests.js';
import { refuseCrossSite } from './request-guards.js';
import { WebhookRejections } from './webhook-rejections.js';
import { mountWebhookRoutes } from './webhook-route.js';
import type { WebhookSpool } from '../queue/spool.js';
import { mountFallbacks, mountProbeRoutes } from './probe-app.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { mountSlackInteractions } from '../slack/interactions-route.js';

export interface AppDeps {
  config: AppConfig;
  queues: QueueSet;
  redis: RedisClient;
  logger: Logger;
  insecureNoAuth?: boolean;
  /** Webhook bodies wait here while Redis is away (queue/spool.ts); without it: 503. */
  spool?: WebhookSpool;
  /** Where each stored alert is recorded as `received` (not awaited: the webhook answers first). */
  audit?: AuditTrail;
  /** Extra routes mounted by other parts (queue dashboard, status page). */
  extend?: (app: Hono, auth: MiddlewareHandler) => void;
}

/** The HTTP surface: webhook receiver, health, readiness and metrics. */
export function createApp(deps: AppDeps): Hono {
  const { config, queues, redis, logger } = deps;
  const app = new Hono();
  const routes = compileRoutes(config.routes);
  const auth = requireAuth(config.server.auth, deps.insecureNoAuth);

  // Request ids are carried by a child logger per request, not by AsyncLocalStorage: on
  // Node 20, entering an AsyncLocalStorage turns on promise hooks for the whole process, and
  // with BullMQ/ioredis making dozens of promises per request that tripled the receiver's
  // CPU per webhook (measured: 243 -> 702 µs per single-alert request, bench/receiver-layers.ts).
  // The child is made on first use: most requests (probes, scrapes) never log.
  const requestIds = new WeakMap<Request, string>();
  const requestLogs = new WeakMap<Request, Logger>();
  const requestLog = (c: Context): Logger => {
    let log = requestLogs.get(c.req.raw);
    if (!log) {
      const requestId = requestIds.get(c.req.raw);
      if (requestId === undefined) return logger;
      log = logger.child({ request_id: requestId });
      requestLogs.set(c.req.raw, log);
    }
    return log;
  };

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 64) || randomUUID();
    c.header('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    requestIds.set(c.req.raw, requestId);
    await next();
    const route = routePath(c) || 'unmatched';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    httpDuration.observe({ method: c.req.method, route }, seconds);
  });
  app.use('*', traceRequests());
  // Before every route, the queue dashboard's API included: a browser's stored credentials
  // must not act for another site.
  // One rate-limited log and counter for every refusal at the edge (webhooks and guards alike).
  const rejections = new WebhookRejections(logger, config.server.rejectionLogInterval);
  app.use('*', refuseCrossSite(rejections));

  mountProbeRoutes(app, { redis, queues });

  // The request's SERVER span (trace-requests.ts) is named after the route, e.g. hooks.alertmanager.
  mountWebhookRoutes(app, {
    config,
    queues,
    routes,
    logger,
    requestLog,
    rejections,
    spool: deps.spool,
    audit: deps.audit,
    insecureNoAuth: deps.insecureNoAuth,
    redisReady: () => redis.status === 'ready',
  });

  // Signed by Slack (its own auth), so outside requireAuth.
  mountSlackInteractions(app, { config, redis, queues, logger });

  deps.extend?.(app, auth);

  mountFallbacks(app, logger);
  return app;
}
