import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type TextMapGetter } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { currentLogContext } from '../observability/context.js';
import { recordError, tracer } from '../observability/tracing.js';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** Probes and scrapes: frequent, uninteresting, and they would drown the traces that matter. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One SERVER span per request, so every log line written while serving it carries trace_id and
 * span_id. A `traceparent` sent by the caller (Alertmanager with tracing on, a proxy) is
 * continued. The span is named from the matched route: `/hooks/alertmanager` ->
 * `hooks.alertmanager`, `/admin/queues/*` -> `admin.queues`.
 */
export function traceRequests(): MiddlewareHandler {
  return async function traceRequest(c, next) {
    if (UNTRACED.has(c.req.path)) return next();
    // Read from the request's headers as asked, not copied into an object first (hot path).
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: c.req.method,
      [ATTR_URL_PATH]: c.req.path,
      [ATTR_URL_SCHEME]: c.req.url.slice(0, c.req.url.indexOf(':')),
      ...(c.req.header('user-agent') ? { [ATTR_USER_AGENT_ORIGINAL]: c.req.header('user-agent')!.slice(0, 200) } : {}),
    };
    await tracer.startActiveSpan('http.request', { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        await next();
      } catch (err) {
        recordError(span, err);
        throw err;
      } finally {
        const route = matchedRoute(c);
        span.updateName(spanName(route));
        if (route) span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, c.res.status);
        // The receiver sets X-Request-Id on every answer (app.ts); jobs keep a log context.
        const requestId = c.res.headers.get('x-request-id') ?? currentLogContext()?.request_id;
        if (requestId) span.setAttribute('alertworks.request_id', requestId);
        // Server spans: only 5xx is an error (a 4xx is the client's mistake).
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${c.res.status}` });
        span.end();
      }
    });
  };
}

function matchedRoute(c: Context): string | undefined {
  const route = routePath(c);
  return route && route !== '*' && route !== '/*' ? route : undefined;
}

/** `<area>.<operation>` from the route's static segments. */
export function spanName(route: string | undefined): string {
  const parts = (route ?? '').split('/').filter((p) => p && !p.startsWith(':') && !p.includes('*'));
  if (parts.length === 0) return 'http.unmatched';
  if (parts.length === 1) return `http.${parts[0]}`;
  return parts.slice(0, 2).join('.');
}
