import { z } from 'zod';
import { defineCheckType, type CheckBase, type ProbeContext, type ProbeMetric, type ProbeResult } from '../check-type.js';
import { regexSource } from './base.js';
import { httpProbe, type HttpProbeRequest, type HttpProbeResponse, type TlsClientOptions } from './http-request.js';
import { loadTls, statusMatches, statusSpec, transportShape } from './http-options.js';
import { checkJsonCondition, jsonConditionSchema } from './json-path.js';
import { ProbeFailure } from './probe-failure.js';
import { scrub } from '../../src/observability/redact.js';
import { moveUserinfoToHeader } from '../../src/config/url-credentials.js';
import { probeDeadline } from './deadline.js';

const httpExpectSchema = z
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

const httpFields = {
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expect: httpExpectSchema,
  ...transportShape,
};

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

export type HttpExpect = z.output<typeof httpExpectSchema>;
/** An http check as the probe sees it: caFile already read into `tls.ca`. */
export type HttpCheck = Omit<z.output<z.ZodObject<typeof httpFields>>, 'tls'> & { tls: TlsClientOptions } & CheckBase;

/** Phases of an HTTP exchange, summed over redirects. */
export const HTTP_PHASES = ['dns', 'connect', 'tls', 'processing', 'transfer'] as const;
/** Why an HTTP probe (http or a preset over HTTP) fails. */
export const HTTP_REASONS = ['dns', 'connect', 'tls', 'timeout', 'http_status', 'assertion', 'other'] as const;
/** The blackbox exporter calls the dns phase "resolve". */
const PHASE_LABEL: Record<(typeof HTTP_PHASES)[number], string> = {
  dns: 'resolve',
  connect: 'connect',
  tls: 'tls',
  processing: 'processing',
  transfer: 'transfer',
};

/** probe_http_* metrics, shared by every check whose result is an HTTP response (http and the presets). */
export const HTTP_PROBE_METRICS: readonly ProbeMetric[] = [
  { name: 'probe_http_status_code', help: 'HTTP status code of the last probe (0 when none was received).', read: (r) => r.statusCode ?? 0 },
  {
    name: 'probe_http_duration_seconds',
    help: 'Duration of each phase of the last HTTP probe, summed over redirects (phases: resolve, connect, tls, processing, transfer).',
    label: { name: 'phase', values: Object.values(PHASE_LABEL) },
    read: (r) => Object.fromEntries(HTTP_PHASES.map((p) => [PHASE_LABEL[p], r.phases[p] ?? 0])),
  },
];

/** The request an http-like check sends; presets build theirs and reuse httpProbe + assertions. */
function requestFor(check: Omit<HttpCheck, 'expect' | 'type'>, ctx: ProbeContext): HttpProbeRequest {
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
    signal: probeDeadline(ctx.signal, check.timeoutMs),
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
    return {
      success: true,
      durationSeconds: (performance.now() - started) / 1000,
      phases: res.phases,
      statusCode: res.statusCode,
      details: { redirects: res.redirects, finalUrl: scrub(res.finalUrl) },
    };
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

export const httpCheck = defineCheckType({
  type: 'http',
  fields: httpFields,
  resolve: (own, ctx): Omit<HttpCheck, keyof CheckBase> => ({ ...own, ...userinfoAsHeader(own, ctx), tls: loadTls(own.tls, ctx) }),
  phases: HTTP_PHASES,
  reasons: HTTP_REASONS,
  metrics: HTTP_PROBE_METRICS,
  example: { url: 'https://api.example.com/healthz' },
  probe: (check, ctx) => runHttpProbe(requestFor(check, ctx), check.expect),
});

export const httpCheckSchema = httpCheck.schema;
