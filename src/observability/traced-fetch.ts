import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { scrub } from './redact.js';
import { enclosingClientSpan, recordError, tracer } from './tracing.js';

export interface TracedFetchOptions {
  /**
   * Name of the span a request opens when no withClientSpan encloses it.
   * @defaultValue `http.<method>`, e.g. `http.get`
   */
  spanName?: string | ((method: string, url: URL) => string);
  /** Extra attributes on every span (e.g. `{ 'rpc.system': 'hetzner' }`). */
  attributes?: Attributes;
  /** The fetch underneath. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

type FetchInput = string | URL | Request;

/**
 * A drop-in `fetch` for outbound HTTP clients (Hetzner, GitHub via Octokit's `request.fetch`,
 * Slack via WebClient's `fetch`, probes). Each request is a CLIENT span with the stable HTTP
 * semantic conventions (http.request.method, url.full without credentials, server.address,
 * server.port, http.response.status_code, error.type) and carries `traceparent` so the far
 * side can join the trace. Inside withClientSpan(...) it fills in that span instead of nesting
 * a second client span; a second request in the same withClientSpan gets its own child span.
 */
export function createTracedFetch(options: TracedFetchOptions = {}): typeof fetch {
  const base = options.fetch ?? ((input: FetchInput, init?: RequestInit) => globalThis.fetch(input, init));
  const claimed = new WeakSet<Span>();

  return async function tracedFetch(input: FetchInput, init?: RequestInit): Promise<Response> {
    // Tracing off (no SDK registered: no propagator, spans record nothing): nothing to
    // describe and no traceparent to send, so no URL parsing, header copies or span per call.
    if (tracingOff()) return base(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const attributes: Attributes = {
      ...options.attributes,
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: safeUrl(url),
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    };

    const outer = enclosingClientSpan();
    if (outer && !claimed.has(outer)) {
      claimed.add(outer);
      outer.setAttributes(attributes);
      return send(outer, false);
    }
    const name = typeof options.spanName === 'function' ? options.spanName(method, url) : (options.spanName ?? `http.${method.toLowerCase()}`);
    return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, (span) => send(span, true));

    async function send(span: Span, own: boolean): Promise<Response> {
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init?.headers).forEach((value, key) => headers.set(key, value));
      propagation.inject(trace.setSpan(context.active(), span), headers, { set: (carrier, key, value) => carrier.set(key, value) });
      try {
        const res = await base(input, { ...init, method, headers });
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
        if (res.status >= 400) {
          span.setAttribute(ATTR_ERROR_TYPE, String(res.status));
          span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
        }
        return res;
      } catch (err) {
        recordError(span, err);
        throw err;
      } finally {
        if (own) span.end();
      }
    }
  };
}

/**
 * Whether tracing is off: the SDK (observability/otel-sdk.ts) registers its provider together
 * with its propagators, so no propagator means no provider, and a non-recording active span
 * (or none) confirms that nothing would be recorded.
 */
function tracingOff(): boolean {
  return propagation.fields().length === 0 && !trace.getActiveSpan()?.isRecording();
}

/** url.full without userinfo and with secret-looking query values redacted. */
export function safeUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return scrub(copy.toString());
}

/** The default traced fetch (spans named `http.<method>`). */
export const tracedFetch = createTracedFetch();
