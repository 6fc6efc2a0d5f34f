import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { HetznerApiError, classifyHetznerError } from './errors.js';

const NOW = 1_700_000_000_000;

describe('classifyHetznerError', () => {
  it.each([
    { status: 429, code: 'rate_limit_exceeded', reset: NOW / 1000 + 30, kind: RetryLaterError, delay: 30_250 },
    { status: 429, code: 'rate_limit_exceeded', reset: undefined, kind: RetryLaterError, delay: 10_000 },
    { status: 423, code: 'locked', reset: undefined, kind: RetryLaterError, delay: 5_000 },
    { status: 409, code: 'conflict', reset: undefined, kind: TransientError, delay: undefined },
    { status: 504, code: 'timeout', reset: undefined, kind: TransientError, delay: undefined },
    { status: 503, code: 'unavailable', reset: undefined, kind: TransientError, delay: undefined },
    { status: 502, code: 'server_error', reset: undefined, kind: TransientError, delay: undefined },
    { status: 400, code: 'invalid_input', reset: undefined, kind: PermanentError, delay: undefined },
    { status: 404, code: 'not_found', reset: undefined, kind: PermanentError, delay: undefined },
    { status: 403, code: 'forbidden', reset: undefined, kind: PermanentError, delay: undefined },
    { status: 401, code: 'unauthorized', reset: undefined, kind: PermanentError, delay: undefined },
    { status: 418, code: 'http_418', reset: undefined, kind: PermanentError, delay: undefined },
  ])('$status $code -> $kind.name', ({ status, code, reset, kind, delay }) => {
    const err = classifyHetznerError(new HetznerApiError(status, code, 'msg', undefined, reset), { now: NOW });
    expect(err).toBeInstanceOf(kind);
    expect(err.code).toBe(`hetzner_${code}`);
    if (delay !== undefined) expect((err as RetryLaterError).delayMs).toBe(delay);
    expect(err.cause).toBeInstanceOf(HetznerApiError);
  });
});
