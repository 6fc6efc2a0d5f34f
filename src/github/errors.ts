import { AlertworksError, PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { classifyNetworkError, classifyStatus } from '../failure.js';

interface OctokitLikeError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * Retry or give up for a GitHub REST failure (docs: "Rate limits for the REST API"):
 * 429, or 403 with `x-ratelimit-remaining: 0` -> wait for `retry-after` / `x-ratelimit-reset`;
 * 5xx and network errors -> retry; other 4xx (404 missing repo/file/workflow, 422 validation,
 * 401 bad credentials) -> never retry. `op` names the step for the message.
 */
export function classifyGitHubError(err: unknown, op: string, now: number = Date.now()): AlertworksError {
  if (err instanceof AlertworksError) return err;
  const e = err as OctokitLikeError;
  const status = typeof e.status === 'number' ? e.status : 0;
  const headers = e.response?.headers ?? {};
  const apiMessage = (e.response?.data as { message?: unknown } | undefined)?.message;
  const reason = typeof apiMessage === 'string' ? apiMessage : (e.message ?? String(err)).split('\n')[0];
  const text = `GitHub ${op} failed (${status || 'network'}): ${reason}`;
  const retryAfter = Number(headers['retry-after']);
  const remaining = headers['x-ratelimit-remaining'];
  const reset = Number(headers['x-ratelimit-reset']);
  if (status === 429 || (status === 403 && (String(remaining) === '0' || Number.isFinite(retryAfter)))) {
    const delay = Number.isFinite(retryAfter) ? retryAfter * 1000 : Number.isFinite(reset) ? reset * 1000 - now + 250 : 60_000;
    return new RetryLaterError(text, 'github_rate_limited', Math.min(Math.max(delay, 1000), 3_600_000), { cause: err, reason: 'rate_limited' });
  }
  if (status === 0) return new TransientError(text, 'github_network', { cause: err, reason: classifyNetworkError(err).reason });
  const byStatus = classifyStatus(status);
  const options = { cause: err, reason: byStatus.reason };
  return byStatus.retryable ? new TransientError(text, `github_${status}`, options) : new PermanentError(text, `github_${status}`, options);
}
