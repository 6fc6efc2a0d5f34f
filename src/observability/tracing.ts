import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { scrub } from './redact.js';

/**
 * Span helpers over the OpenTelemetry API. Without a registered provider (no OTLP endpoint,
 * or OTEL_SDK_DISABLED=true) the API is a no-op, so callers never check whether tracing is on.
 * The SDK itself is set up in observability/otel-sdk.ts.
 */
export const tracer = trace.getTracer('alertworks');

export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span for an outbound call (Hetzner, Slack, GitHub, a probe). */
export function withClientSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(name, attributes, fn, SpanKind.CLIENT);
}

export function recordError(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException({ name: e.name, message: scrub(e.message) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: scrub(e.message) });
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') span.setAttribute('error.type', code);
}
