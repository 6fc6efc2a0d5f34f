import { describe, expect, it } from 'vitest';
import { assertResponse, httpCheckSchema } from './http.js';
import { statusMatches } from './http-options.js';
import { ProbeFailure } from './probe-failure.js';

const expectOf = (raw: Record<string, unknown>) => httpCheckSchema.parse({ name: 'a', type: 'http', url: 'http://x/', expect: raw }).expect;
const res = (statusCode: number, body: string) => ({ statusCode, body, headers: {}, phases: {}, redirects: 0, finalUrl: 'http://x/' });

function outcome(expect: Record<string, unknown>, statusCode: number, body: string): string {
  try {
    assertResponse(res(statusCode, body), expectOf(expect));
    return 'ok';
  } catch (err) {
    return err instanceof ProbeFailure ? `${err.reason}: ${err.message}` : String(err);
  }
}

describe('http expectations', () => {
  it.each([
    [{}, 200, '', 'ok'],
    [{}, 204, '', 'ok'],
    [{}, 301, '', 'http_status: status 301, expected 2xx'],
    [{ status: [200, 404] }, 404, '', 'ok'],
    [{ status: [200] }, 201, '', 'http_status: status 201, expected 200'],
    [{ bodyRegex: 'ok|healthy' }, 200, 'all healthy', 'ok'],
    [{ bodyRegex: '^ok$' }, 200, 'degraded', 'assertion: body does not match /^ok$/'],
    [{ bodyNotRegex: 'error' }, 200, 'one error', 'assertion: body matches /error/'],
    [{ json: [{ path: '$.status', equals: 'ok' }] }, 200, '{"status":"ok"}', 'ok'],
    [{ json: [{ path: '$.status', equals: 'ok' }] }, 200, '<html>', 'assertion: body is not JSON'],
    [{ status: [200], bodyRegex: 'x' }, 500, 'x', 'http_status: status 500, expected 200'],
  ])('%j with %i %j -> %s', (expect_, status, body, result) => expect(outcome(expect_, status, body)).toBe(result));

  it.each([
    [200, ['2xx'], true],
    [299, ['2xx'], true],
    [300, ['2xx'], false],
    [418, [418], true],
    [503, ['4xx', 200], false],
  ])('status %i in %j: %s', (status, specs, ok) => expect(statusMatches(status, specs)).toBe(ok));
});
