import type { ErrorReason } from './failure.js';

/** `reason`: the failure class from the closed taxonomy (src/failure.ts), the job's metric label. */
export interface ErrorOptions {
  cause?: unknown;
  /** @defaultValue other */
  reason?: ErrorReason;
}

/**
 * Errors with a stable `code` (used as a metrics label and log field) and a decision on
 * retrying, made where the failure is understood (STYLE.md: "decide retry or give up where
 * the error is known").
 */
export class AlertworksError extends Error {
  /** Stable, low-cardinality reason, safe for metric labels. */
  readonly code: string;
  /** true: a later attempt may succeed (5xx, timeouts, locks). */
  readonly retryable: boolean;
  /** Which class of failure, from the closed set: a metric label. */
  readonly reason: ErrorReason;

  constructor(message: string, code: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.reason = options?.reason ?? 'other';
  }
}

/** Will never succeed as is (bad input, refused by policy, 4xx): fail the job at once. */
export class PermanentError extends AlertworksError {
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, code, false, options);
  }
}

/** May succeed later; BullMQ retries with exponential backoff and jitter. */
export class TransientError extends AlertworksError {
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, code, true, options);
  }
}

/**
 * The remote side said exactly when to come back (429 Retry-After, RateLimit-Reset, a lock).
 * The job is moved to the delayed set for that long instead of holding a worker slot.
 */
export class RetryLaterError extends AlertworksError {
  readonly delayMs: number;
  constructor(message: string, code: string, delayMs: number, options?: ErrorOptions) {
    super(message, code, true, options);
    this.delayMs = Math.max(0, Math.ceil(delayMs));
  }
}

/** A config file that cannot be used; the message names the file and the field. */
export class ConfigError extends Error {
  readonly file: string;
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: invalid config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

export function errorCode(err: unknown): string {
  if (err instanceof AlertworksError) return err.code;
  if (err instanceof Error && err.name === 'AbortError') return 'timeout';
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout';
  return 'other';
}

/** The failure class of anything a job threw: a label value from the closed set. */
export function errorReason(err: unknown): ErrorReason {
  if (err instanceof AlertworksError) return err.reason;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return 'timeout';
  return 'other';
}
