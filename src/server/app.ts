import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { Redis } from 'ioredis';
import { trace } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { httpDuration, httpRequests } from '../observability/metrics.js';
import { withTimeout } from '../redis.js';
import { compileRoutes } from '../queue/routing.js';
import { enqueueAlerts } from '../queue/enqueue.js';
import type { QueueSet } from '../queue/queues.js';
import { alertsReceived } from '../observability/metrics.js';
import { parsePayload } from './alertmanager-payload.js';
import { requireAuth } from './auth.js';
import { traceRequests } from './trace-requests.js';
import { mountFallbacks, mountProbeRoutes } from './probe-app.js';
import { mountSlackInteractions } from '../slack/interactions-route.js';

export interface AppDeps {
  config: AppConfig;
  queues: QueueSet;
  redis: Redis;
  logger: Logger;
  insecureNoAuth?: boolean;
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
  const requestLogs = new WeakMap<Request, Logger>();
  const requestLog = (c: Context): Logger => requestLogs.get(c.req.raw) ?? logger;

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 64) || randomUUID();
    c.header('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    requestLogs.set(c.req.raw, logger.child({ request_id: requestId }));
    await next();
    const route = routePath(c) || 'unmatched';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    httpDuration.observe({ method: c.req.method, route }, seconds);
  });
  app.use('*', traceRequests());

  mountProbeRoutes(app, { redis, queues });

  app.post(
    '/hooks/alertmanager',
    auth,
    declaredBodyLimit(config.server.bodyLimitBytes, (c) => {
      alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
      return c.json({ error: `body larger than ${config.server.bodyLimitBytes} bytes` }, 413);
    }),
    async (c) => {
      // The request's SERVER span (trace-requests.ts) is named hooks.alertmanager.
      const span = trace.getActiveSpan();
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
        return c.json({ error: 'body is not valid JSON' }, 400);
      }
      const parsed = parsePayload(body);
      if (!parsed.ok) {
        alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
        return c.json({ error: `not an Alertmanager v4 payload: ${parsed.reason}` }, 400);
      }
      span?.setAttribute('alertworks.alerts', parsed.payload.alerts.length);
      try {
        const outcome = await withTimeout(enqueueAlerts(parsed.payload, routes, queues), config.server.enqueueTimeout, 'storing jobs');
        requestLog(c).info({ ...outcome, receiver: parsed.payload.receiver, groupKey: parsed.payload.groupKey }, 'webhook accepted');
        return c.json(outcome, 200);
      } catch (err) {
        // 503, never 429: Alertmanager retries 5xx and transport errors, so nothing is lost.
        requestLog(c).warn({ err }, 'could not store jobs; answering 503 so Alertmanager retries');
        c.header('Retry-After', '5');
        return c.json({ error: 'cannot store jobs right now (queue store unavailable); retry later' }, 503);
      }
    },
  );

  // Signed by Slack (its own auth), so outside requireAuth.
  mountSlackInteractions(app, { config, redis, queues, logger });

  deps.extend?.(app, auth);

  mountFallbacks(app, logger);
  return app;
}

/**
 * hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full fetch
 * Request (a web ReadableStream over the socket, an AbortController) for every webhook: a
 * fixed cost larger than parsing and storing a one-alert payload. A declared Content-Length is
 * checked from the headers alone; only chunked bodies (no length) go through the streaming
 * limit, which counts the bytes as they arrive.
 */
function declaredBodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError });
  return async function limitBody(c, next) {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(length, 10) > maxSize ? onError(c) : next();
    }
    return streaming(c, next);
  };
}
