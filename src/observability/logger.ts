import { pino, type Logger, type DestinationStream } from 'pino';
import { trace } from '@opentelemetry/api';
import { currentLogContext } from './context.js';
import { scrub, scrubDeep } from './redact.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout. Every line carries the request/job ids of the async context it was
 * written in and the active span's trace_id/span_id/trace_flags, and is scrubbed of secrets.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'alertworks', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrubDeep(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // Scrub the message string too (formatters.log only sees the merging object).
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: (err: unknown) => scrubDeep(err) },
      mixin() {
        const span = trace.getActiveSpan();
        const spanContext = span?.spanContext();
        return {
          ...currentLogContext(),
          ...(spanContext && spanContext.traceId !== '00000000000000000000000000000000'
            ? // trace_flags as two hex digits ("01" sampled), as OTLP log pipelines and the OTel pino instrumentation expect.
              { trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: `0${spanContext.traceFlags.toString(16)}`.slice(-2) }
            : {}),
        };
      },
    },
    options.destination,
  );
}

/** The process-wide logger; replaced in tests with one writing to a buffer. */
export let logger: Logger = createLogger();

export function setLogger(next: Logger): void {
  logger = next;
}
