/**
 * The one failure taxonomy: every client (Hetzner, GitHub, Slack, Pushgateway) sorts what went
 * wrong into one of these reasons and decides retry-or-not here, the way Alertmanager's
 * notifiers share one retrier. A reason is a metric label value, so the set is closed.
 */
export const ERROR_REASONS = [
  /** 429, or a rate-limit answer: wait as told. */
  'rate_limited',
  /** Our deadline passed (request timeout, aborted). */
  'timeout',
  /** No answer at all: refused, reset, DNS, TLS. */
  'unreachable',
  /** 5xx, or the service said it is unavailable. */
  'server_error',
  /** The resource is busy (Hetzner `locked`, 423): wait a little. */
  'locked',
  /** 409: a concurrent change; a retry usually succeeds. */
  'conflict',
  /** 401: the credential is missing, wrong or revoked. */
  'unauthorized',
  /** 403: the credential may not do this. */
  'forbidden',
  /** 404: the resource does not exist. */
  'not_found',
  /** Other 4xx: the request itself is wrong (400, 422, ...). */
  'bad_request',
  /** A 2xx answer we cannot read. */
  'bad_response',
  /** Our own policy refused it (allowlist, cap, budget). */
  'refused',
  /** Anything not sorted above. */
  'other',
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number];

export interface Classification {
  reason: ErrorReason;
  /** true: a later attempt may succeed. */
  retryable: boolean;
}

/** HTTP status -> reason and retry-or-not (5xx, 408, 409, 423, 425, 429 retry; other 4xx never). */
export function classifyStatus(status: number): Classification {
  if (status === 429) return { reason: 'rate_limited', retryable: true };
  if (status === 408) return { reason: 'timeout', retryable: true };
  if (status === 409) return { reason: 'conflict', retryable: true };
  if (status === 423) return { reason: 'locked', retryable: true };
  if (status === 425 || status >= 500) return { reason: 'server_error', retryable: true };
  if (status === 401) return { reason: 'unauthorized', retryable: false };
  if (status === 403) return { reason: 'forbidden', retryable: false };
  if (status === 404 || status === 410) return { reason: 'not_found', retryable: false };
  if (status >= 400) return { reason: 'bad_request', retryable: false };
  return { reason: 'other', retryable: false };
}

/** A request that got no answer: our timeout, or the network. Always worth another attempt. */
export function classifyNetworkError(err: unknown): Classification {
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined;
  const names = [e?.name, e?.cause?.name];
  const codes = [e?.code, e?.cause?.code];
  if (names.includes('TimeoutError') || names.includes('AbortError') || codes.includes('ETIMEDOUT') || codes.includes('UND_ERR_CONNECT_TIMEOUT')) {
    return { reason: 'timeout', retryable: true };
  }
  return { reason: 'unreachable', retryable: true };
}
