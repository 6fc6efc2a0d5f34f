import { context, createContextKey, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { scrub } from './redact.js';

/**
 * Span helpers over the OpenTelemetry API. Without a registered provider (no OTLP endpoint,
 * or OTEL_SDK_DISABLED=true) the API is a no-op, so callers never check whether tracing is on.
 * The SDK itself is set up in observability/otel-sdk.ts.
 *
 * Span names are `<area>.<operation>`: `hooks.alertmanager` (server), `job.<action>`
 * (consumer), `slack.chat.postMessage`, `hetzner.volume.resize`, `check.http` (client), ...
 */
export const tracer = trace.getTracer('alertworks');

/** Marks the client span of an outbound call, so traced fetch fills it in instead of nesting a second one. */
const CLIENT_SPAN = createContextKey('alertworks.client-span');

export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => runInSpan(span, fn));
}

/**
 * A span for an outbound call (Hetzner, Slack, GitHub, a probe). If the call goes through
 * traced fetch (observability/traced-fetch.ts), the HTTP attributes land on this span and its
 * context is what the request carries in `traceparent`.
 */
export function withClientSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, (span) =>
    context.with(context.active().setValue(CLIENT_SPAN, span), () => runInSpan(span, fn)),
  );
}

/** The enclosing withClientSpan's span, if it is the active span (nothing opened in between). */
export function enclosingClientSpan(ctx: Context = context.active()): Span | undefined {
  const span = ctx.getValue(CLIENT_SPAN) as Span | undefined;
  return span && span === trace.getSpan(ctx) ? span : undefined;
}

async function runInSpan<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Records an exception (scrubbed) and marks the span failed; `error.type` = the error's code or name. */
export function recordError(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException({ name: e.name, message: scrub(e.message) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: scrub(e.message) });
  const code = (err as { code?: unknown }).code;
  span.setAttribute('error.type', typeof code === 'string' && code ? code : e.name || 'Error');
}
