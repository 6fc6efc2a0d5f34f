import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { classifyGitHubError } from './errors.js';

const NOW = 1_700_000_000_000;
const err = (status: number, headers: Record<string, string> = {}, message = 'boom') => ({ status, message, response: { headers, data: { message } } });

describe('classifyGitHubError', () => {
  it.each([
    [err(429, { 'retry-after': '30' }), RetryLaterError, 'github_rate_limited', 30_000],
    [err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 60) }), RetryLaterError, 'github_rate_limited', 60_250],
    [err(403, { 'x-ratelimit-remaining': '4999' }), PermanentError, 'github_403', undefined],
    [err(502), TransientError, 'github_502', undefined],
    [err(404), PermanentError, 'github_404', undefined],
    [err(422), PermanentError, 'github_422', undefined],
    [new TypeError('fetch failed'), TransientError, 'github_network', undefined],
  ])('%#: -> %o %s', (input, kind, code, delay) => {
    const out = classifyGitHubError(input, 'op', NOW);
    expect(out).toBeInstanceOf(kind);
    expect(out.code).toBe(code);
    if (delay !== undefined) expect((out as RetryLaterError).delayMs).toBe(delay);
  });
});
