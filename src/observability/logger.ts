import { pino, type Logger, type DestinationStream } from 'pino';
import { trace } from '@opentelemetry/api';
import { currentLogContext } from './context.js';
import { LOG_LIMITS, scrubClipped, scrubForLog } from './redact.js';

export type { Logger } from 'pino';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The one-line reason LOG_LEVEL cannot be used, or undefined when it is unset or valid. */
export function invalidLogLevel(value: string | undefined = process.env.LOG_LEVEL): string | undefined {
  if (value === undefined || value === '' || (LOG_LEVELS as readonly string[]).includes(value)) return undefined;
  return `LOG_LEVEL "${value.slice(0, 32)}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`;
}

/**
 * JSON logs on stdout. Every line carries the request/job ids of the async context it was
 * written in and the active span's trace_id/span_id/trace_flags, and is scrubbed of secrets.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      // An unknown LOG_LEVEL is reported by the CLI in one line (invalidLogLevel), not by a throw here.
      level: options.level ?? (invalidLogLevel() ? 'info' : process.env.LOG_LEVEL || 'info'),
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
      mixin(_merge, _level, self) {
        const span = trace.getActiveSpan();
        const spanContext = span?.spanContext();
        return {
          ...withoutBound(currentLogContext(), self),
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

/**
 * The async context's fields that the (child) logger does not bind already: pino writes both,
 * and a line with a key twice (`"action":"x",...,"action":"x"`) breaks strict JSON readers.
 */
function withoutBound(fields: object | undefined, self: Logger): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const bound = self.bindings();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (!(key in bound)) out[key] = value;
  return out;
}

/** The process-wide logger. */
export const logger: Logger = createLogger();

/**
 * Ends the process' log and calls `done` once every line logged so far has left the process;
 * nothing may be logged after that. pino's `flush` is no such point: its stdout destination
 * calls back at once, while a chunk may still be in flight or waiting to retry on a full pipe
 * (a terminal or log shipper that fell behind), and `process.exit` drops that chunk. A
 * destination that can be ended (pino's own) is ended, which waits for those writes; any other
 * is flushed.
 */
export function endLog(log: Logger, done: () => void): void {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as Partial<EndableStream> | undefined;
  if (typeof stream?.end === 'function' && typeof stream.once === 'function') {
    stream.once('close', done);
    stream.end();
  } else log.flush(() => done());
}

interface EndableStream {
  end(): void;
  once(event: 'close', listener: () => void): void;
}
