import { pino, type Logger, type DestinationStream } from 'pino';
import { trace } from '@opentelemetry/api';
import { currentLogContext } from './context.js';
import { LOG_LIMITS, scrubClipped, scrubForLog } from './redact.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout. Every line carries the request/job ids of the async context it was
 * written in and the active span's trace_id/span_id, and is scrubbed of secrets.
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
        // Scrubbed and bounded (redact.ts LOG_LIMITS): a line costs the same whatever a sender sent.
        log: (obj) => scrubForLog(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // Scrub the message string too (formatters.log only sees the merging object).
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubClipped(a, LOG_LIMITS.string) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: (err: unknown) => scrubForLog(err) },
      mixin() {
        const span = trace.getActiveSpan();
        const spanContext = span?.spanContext();
        return {
          ...currentLogContext(),
          ...(spanContext && spanContext.traceId !== '00000000000000000000000000000000'
            ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
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
