import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { AlertworksError, errorReason, PermanentError } from './errors.js';
import { ERROR_REASONS, classifyNetworkError, classifyStatus, type ErrorReason } from './failure.js';
import { classifyGitHubError } from './github/errors.js';
import { HetznerApiError, classifyHetznerError, classifyNetworkError as hetznerNetworkError } from './hetzner/errors.js';
import { classifySlackError } from './notify/slack-notifier.js';

describe('classifyStatus', () => {
  it.each([
    [429, 'rate_limited', true],
    [408, 'timeout', true],
    [409, 'conflict', true],
    [423, 'locked', true],
    [500, 'server_error', true],
    [503, 'server_error', true],
    [400, 'bad_request', false],
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [404, 'not_found', false],
    [422, 'bad_request', false],
  ] as const)('%i -> %s (retry: %s)', (status, reason, retryable) => {
    expect(classifyStatus(status)).toEqual({ reason, retryable });
  });
});

describe('classifyNetworkError', () => {
  const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
  it.each([
    ['our AbortSignal.timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    ['an abort', new DOMException('aborted', 'AbortError'), 'timeout'],
    ['undici connect timeout', fetchFailed('UND_ERR_CONNECT_TIMEOUT'), 'timeout'],
    ['refused', fetchFailed('ECONNREFUSED'), 'unreachable'],
    ['reset', fetchFailed('ECONNRESET'), 'unreachable'],
    ['no such host', fetchFailed('ENOTFOUND'), 'unreachable'],
  ])('%s -> %s, retryable', (_what, err, reason) => {
    expect(classifyNetworkError(err)).toEqual({ reason, retryable: true });
  });
});

/** Every client sorts the same answer into the same reason, with the same retry decision. */
describe.each([
  ['hetzner', (status: number) => classifyHetznerError(new HetznerApiError(status, status >= 500 ? 'server_error' : `http_${status}`, 'msg'))],
  ['github', (status: number) => classifyGitHubError({ status, message: 'msg', response: { headers: {} } }, 'op')],
  [
    'slack',
    (status: number) =>
      classifySlackError(
        { code: ErrorCode.HTTPError, statusCode: status, statusMessage: 'x', headers: {}, body: '' } as unknown as WebAPICallError,
        'chat.postMessage',
      ) as AlertworksError,
  ],
])('%s client', (_client, classify) => {
  it.each([
    [503, 'server_error', true],
    [502, 'server_error', true],
    [404, 'not_found', false],
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [400, 'bad_request', false],
  ] as const)('HTTP %i -> %s', (status, reason, retryable) => {
    const err = classify(status);
    expect(err).toBeInstanceOf(AlertworksError);
    expect({ reason: err.reason, retryable: err.retryable }).toEqual({ reason, retryable });
  });
});

describe('reasons of special answers', () => {
  it('rate limits are rate_limited everywhere', () => {
    expect(classifyHetznerError(new HetznerApiError(429, 'rate_limit_exceeded', 'slow down')).reason).toBe('rate_limited');
    expect(classifyGitHubError({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } } }, 'op').reason).toBe(
      'rate_limited',
    );
    expect((classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 3 } as unknown as WebAPICallError, 'm') as AlertworksError).reason).toBe(
      'rate_limited',
    );
  });

  it('Hetzner locked and Slack platform errors keep their precise reason', () => {
    expect(classifyHetznerError(new HetznerApiError(423, 'locked', 'busy')).reason).toBe('locked');
    const platform = (error: string) =>
      (classifySlackError({ code: ErrorCode.PlatformError, data: { ok: false, error } } as unknown as WebAPICallError, 'm') as AlertworksError).reason;
    expect([platform('invalid_auth'), platform('channel_not_found'), platform('missing_scope'), platform('internal_error'), platform('no_text')]).toEqual([
      'unauthorized',
      'not_found',
      'forbidden',
      'server_error',
      'bad_request',
    ]);
  });

  it('network failures of a client are timeout or unreachable', () => {
    expect(hetznerNetworkError(new DOMException('t', 'TimeoutError'), 'get_volume').reason).toBe('timeout');
    expect(classifyGitHubError(new TypeError('fetch failed'), 'op').reason).toBe('unreachable');
  });

  it('anything a job throws has a reason from the closed set', () => {
    const reasons: ErrorReason[] = [
      errorReason(new Error('boom')),
      errorReason(new DOMException('t', 'TimeoutError')),
      errorReason(new PermanentError('no', 'x', { reason: 'refused' })),
    ];
    expect(reasons).toEqual(['other', 'timeout', 'refused']);
    for (const r of reasons) expect(ERROR_REASONS).toContain(r);
  });
});
