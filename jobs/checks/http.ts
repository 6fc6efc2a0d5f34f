import { z } from 'zod';
import type { CheckType, ProbeContext, ProbeResult } from '../check-type.js';
import { checkBaseShape, regexSource, resolveBase } from './base.js';
import { httpProbe, type HttpProbeRequest, type HttpProbeResponse } from './http-request.js';
import { loadTls, statusMatches, statusSpec, transportShape } from './http-options.js';
import { checkJsonCondition, jsonConditionSchema } from './json-path.js';
import { ProbeFailure } from './probe-failure.js';
import { scrub } from '../../src/observability/redact.js';
import { moveUserinfoToHeader } from '../../src/config/url-credentials.js';

export const httpExpectSchema = z
  .strictObject({
    /** Accepted status codes or classes. @defaultValue ["2xx"] */
    status: z.array(statusSpec).min(1).default(['2xx']),
    /** The body must match this regular expression. */
    bodyRegex: regexSource.optional(),
    /** The body must not match this regular expression. */
    bodyNotRegex: regexSource.optional(),
    /** Conditions on the JSON body, all must hold (see docs/checks.md for the path subset). */
    json: z.array(jsonConditionSchema).default([]),
  })
  .prefault({});

export const httpCheckSchema = z
  .strictObject({
    ...checkBaseShape('uptime'),
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional(),
    expect: httpExpectSchema,
    ...transportShape,
  })
  .transform((raw, ctx) => ({ ...resolveBase(raw, ctx), ...userinfoAsHeader(raw, ctx), tls: loadTls(raw.tls, ctx) }));

/**
 * `https://user:password@host/…`: the probe's HTTP client drops userinfo silently, so it is
 * moved into an `Authorization: Basic` header at load. With an Authorization header set as
 * well, the check is refused: which of the two was meant is not ours to guess.
 */
function userinfoAsHeader(raw: { url: string; headers: Record<string, string> }, ctx: z.RefinementCtx): { url: string; headers: Record<string, string> } {
  const { url, authorization } = moveUserinfoToHeader(raw.url);
  if (!authorization) return { url: raw.url, headers: raw.headers };
  if (Object.keys(raw.headers).some((name) => name.toLowerCase() === 'authorization')) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'has user:password@ and headers.Authorization is set too; keep one of them' });
  }
  return { url, headers: { ...raw.headers, Authorization: authorization } };
}

export type HttpCheck = z.output<typeof httpCheckSchema>;
export type HttpExpect = HttpCheck['expect'];

/** The request an http-like check sends; presets build theirs and reuse httpProbe + assertions. */
export function requestFor(check: Omit<HttpCheck, 'expect' | 'type'>, ctx: ProbeContext): HttpProbeRequest {
  return {
    url: check.url,
    method: check.method,
    headers: check.headers,
    body: check.body,
    followRedirects: check.followRedirects,
    maxRedirects: check.maxRedirects,
    ipFamily: check.ipFamily,
    ipFallback: check.ipFallback,
    tls: check.tls,
    maxBodyBytes: check.maxBodyBytes,
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(check.timeoutMs)]),
  };
}

/** Applies the expectations; throws ProbeFailure (http_status or assertion). */
export function assertResponse(res: HttpProbeResponse, expect: HttpExpect): void {
  if (!statusMatches(res.statusCode, expect.status)) {
    throw new ProbeFailure('http_status', `status ${res.statusCode}, expected ${expect.status.join(', ')}`, res.phases, res.statusCode);
  }
  if (expect.bodyRegex !== undefined && !new RegExp(expect.bodyRegex).test(res.body)) {
    throw new ProbeFailure('assertion', `body does not match /${expect.bodyRegex}/`, res.phases, res.statusCode);
  }
  if (expect.bodyNotRegex !== undefined && new RegExp(expect.bodyNotRegex).test(res.body)) {
    throw new ProbeFailure('assertion', `body matches /${expect.bodyNotRegex}/`, res.phases, res.statusCode);
  }
  if (expect.json.length > 0) {
    let doc: unknown;
    try {
      doc = JSON.parse(res.body);
    } catch {
      throw new ProbeFailure('assertion', 'body is not JSON', res.phases, res.statusCode);
    }
    for (const condition of expect.json) {
      const problem = checkJsonCondition(doc, condition);
      if (problem) throw new ProbeFailure('assertion', problem, res.phases, res.statusCode);
    }
  }
}

/** Runs a request and its assertions into a ProbeResult; never throws. */
export async function runHttpProbe(request: HttpProbeRequest, expect: HttpExpect): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const res = await httpProbe(request);
    assertResponse(res, expect);
    return { success: true, durationSeconds: (performance.now() - started) / 1000, phases: res.phases, statusCode: res.statusCode, details: { redirects: res.redirects, finalUrl: scrub(res.finalUrl) } };
  } catch (err) {
    const failure = err instanceof ProbeFailure ? err : new ProbeFailure('other', err instanceof Error ? err.message : String(err));
    return {
      success: false,
      durationSeconds: (performance.now() - started) / 1000,
      phases: failure.phases,
      statusCode: failure.statusCode,
      failureReason: failure.reason,
      error: scrub(failure.message),
    };
  }
}

export const httpCheck: CheckType<HttpCheck> = {
  type: 'http',
  schema: httpCheckSchema,
  probe: (check, ctx) => runHttpProbe(requestFor(check, ctx), check.expect),
};
