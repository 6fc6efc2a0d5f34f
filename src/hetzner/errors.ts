import { AlertworksError, PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { classifyNetworkError as classifyNoAnswer, classifyStatus, type ErrorReason } from '../failure.js';

/**
 * An error answer of the Hetzner Cloud API, with the API's own `code` (`locked`,
 * `invalid_input`, `rate_limit_exceeded`, ...). Never carries the token or request headers.
 */
export class HetznerApiError extends Error {
  override name = 'HetznerApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** From `RateLimit-Reset` (unix seconds), when the answer had it. */
    readonly rateLimitReset?: number,
  ) {
    super(message);
  }
}

export interface ClassifyOptions {
  /** Now, for turning RateLimit-Reset into a delay. @defaultValue Date.now() */
  now?: number;
  /** Wait before retrying a `locked` volume (another action is running). @defaultValue 5s */
  lockedDelayMs?: number;
  /** Wait when a 429 has no usable RateLimit-Reset. @defaultValue 10s */
  rateLimitFallbackMs?: number;
}

const PERMANENT = new Set([
  'invalid_input',
  'not_found',
  'forbidden',
  'unauthorized',
  'json_error',
  'protected',
  'resource_limit_exceeded',
  'token_readonly',
  'unsupported_error',
]);
const TRANSIENT = new Set(['conflict', 'timeout', 'service_error', 'server_error', 'unavailable', 'maintenance', 'resource_unavailable']);

/**
 * Decides retry or give up for a Hetzner failure, where the API's error code is known:
 * 429 `rate_limit_exceeded` -> wait until RateLimit-Reset; `locked` -> wait a little, another
 * action runs on the resource; conflict/timeout/5xx -> retry with backoff;
 * invalid_input/not_found/forbidden/unauthorized -> never retry. Unknown codes follow the status.
 */
export function classifyHetznerError(err: HetznerApiError, options: ClassifyOptions = {}): AlertworksError {
  const now = options.now ?? Date.now();
  const code = `hetzner_${err.code}`;
  const text = `Hetzner API ${err.status} ${err.code}: ${err.message}`;
  const byStatus = classifyStatus(err.status);
  if (err.code === 'rate_limit_exceeded' || err.status === 429) {
    const resetMs = err.rateLimitReset !== undefined ? err.rateLimitReset * 1000 - now : NaN;
    const delay = Number.isFinite(resetMs) && resetMs > 0 ? resetMs + 250 : (options.rateLimitFallbackMs ?? 10_000);
    return new RetryLaterError(text, 'hetzner_rate_limit_exceeded', Math.min(delay, 3_600_000), { cause: err, reason: 'rate_limited' });
  }
  if (err.code === 'locked') return new RetryLaterError(text, code, options.lockedDelayMs ?? 5_000, { cause: err, reason: 'locked' });
  // The API's own code is more precise than the status (a 4xx `conflict` is worth a retry).
  const reason: ErrorReason =
    err.code === 'conflict' ? 'conflict' : err.code === 'maintenance' || err.code === 'unavailable' ? 'server_error' : byStatus.reason;
  if (PERMANENT.has(err.code)) return new PermanentError(text, code, { cause: err, reason });
  if (TRANSIENT.has(err.code) || byStatus.retryable) return new TransientError(text, code, { cause: err, reason });
  return new PermanentError(text, code, { cause: err, reason });
}

/** Network failures (refused, reset, aborted by our timeout) are worth another attempt. */
export function classifyNetworkError(err: unknown, op: string): AlertworksError {
  const { reason } = classifyNoAnswer(err);
  const code = reason === 'timeout' ? 'hetzner_timeout' : 'hetzner_network';
  const detail = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
  return new TransientError(`Hetzner API ${op} failed: ${detail}`, code, { cause: err, reason });
}
