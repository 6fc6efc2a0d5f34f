import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { Redis } from 'ioredis';
import { trace } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { httpDuration, httpRequests } from '../observability/metrics.js';
import { compileRoutes } from '../queue/routing.js';
import { enqueueAlerts } from '../queue/enqueue.js';
import type { QueueSet } from '../queue/queues.js';
import { alertsReceived } from '../observability/metrics.js';
import { parsePayload } from './alertmanager-payload.js';
import { requireAuth } from './auth.js';
import { traceRequests } from './trace-requests.js';
import { refuse, refuseCrossSite, requireJson } from './request-guards.js';
import { MAX_JSON_DEPTH, boundPayload, tooDeepAt } from './sender-bounds.js';
import { mountFallbacks, mountProbeRoutes } from './probe-app.js';

export interface AppDeps {
  config: AppConfig;
  queues: QueueSet;
  redis: Redis;
  logger: Logger;
  insecureNoAuth?: boolean;
  /** Extra routes mounted by other parts (queue dashboard, status page). */
  extend?: (app: Hono, auth: MiddlewareHandler) => void;
}

/** Bodies longer than this are processed in steps (see the webhook handler). */
const YIELD_ABOVE_CHARS = 256 * 1024;

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
  // Before every route, the queue dashboard's API included: a browser's stored credentials
  // must not act for another site.
  app.use('*', refuseCrossSite(logger));

  mountProbeRoutes(app, { redis, queues });

  const rejected = (c: Context, status: 400 | 413, reason: 'too_large' | 'invalid_json' | 'too_deep' | 'invalid_payload', error: string) => {
    alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
    return refuse(c, requestLog(c), status, reason, error);
  };

  app.post(
    '/hooks/alertmanager',
    auth,
    requireJson(logger),
    declaredBodyLimit(config.server.bodyLimitBytes, (c) => rejected(c, 413, 'too_large', `body larger than ${config.server.bodyLimitBytes} bytes`)),
    async (c) => {
      // The request's SERVER span (trace-requests.ts) is named hooks.alertmanager.
      const span = trace.getActiveSpan();
      let body: unknown;
      // A body of megabytes is parsed, checked and cut in steps of a few ms each, with the
      // event loop let through between them, so /healthz and other webhooks are answered
      // meanwhile; small bodies (nearly all) go straight through.
      let yieldBetweenSteps = (): Promise<void> | undefined => undefined;
      try {
        const text = await c.req.text();
        if (text.length > YIELD_ABOVE_CHARS) yieldBetweenSteps = () => nextTurn();
        await yieldBetweenSteps();
        body = JSON.parse(text);
      } catch {
        return rejected(c, 400, 'invalid_json', 'body is not valid JSON');
      }
      await yieldBetweenSteps();
      // Refused before anything walks the value: storing a payload nested 5,000 deep threw
      // (answered 503 although Redis was fine), and no sender nests beyond a few levels.
      const deep = tooDeepAt(body, MAX_JSON_DEPTH);
      if (deep !== undefined) return rejected(c, 400, 'too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels at ${deep}`);
      const parsed = parsePayload(body);
      if (!parsed.ok) return rejected(c, 400, 'invalid_payload', `not an Alertmanager v4 payload: ${parsed.reason}`);
      await yieldBetweenSteps();
      // Cut every sender-controlled string to its bound before it is logged or stored.
      const payload = boundPayload(parsed.payload);
      await yieldBetweenSteps();
      span?.setAttribute('alertworks.alerts', payload.alerts.length);
      try {
        const outcome = await enqueueAlerts(payload, routes, queues, { chunkTimeoutMs: config.server.enqueueTimeout });
        requestLog(c).info({ ...outcome, receiver: payload.receiver, groupKey: payload.groupKey }, 'webhook accepted');
        return c.json(outcome, 200);
      } catch (err) {
        // 503, never 429: Alertmanager retries 5xx and transport errors, so nothing is lost.
        requestLog(c).warn({ err }, 'could not store jobs; answering 503 so Alertmanager retries');
        c.header('Retry-After', '5');
        return c.json({ error: 'cannot store jobs right now (queue store unavailable); retry later' }, 503);
      }
    },
  );

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
