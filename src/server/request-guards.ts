import type { Context, MiddlewareHandler } from 'hono';
import type { RejectionReason } from '../observability/metrics.js';
import type { WebhookRejections } from './webhook-rejections.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 4xx with a reason, a warn line (rate-limited per reason) and a count: how the edge refuses a request. */
export function refuse(c: Context, rejections: WebhookRejections, status: 400 | 403 | 405 | 413 | 415, reason: RejectionReason, error: string): Response {
  return rejections.reject(c, status, reason, error, `${c.req.method} ${c.req.path.slice(0, 128)}: ${error}`);
}

/** Host (with port) of an Origin header value; undefined for "null" or anything unparsable. */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses (403) a state-changing request that a browser sent on behalf of another site: the
 * browser would attach stored basic-auth credentials, so auth alone does not tell a forged
 * request from an operator's. `Sec-Fetch-Site` decides when present (only `same-origin` and
 * `none`, a typed URL, pass); otherwise an `Origin` must name this host (the `Host` header or,
 * behind a proxy, `X-Forwarded-Host`). Alertmanager, Grafana and curl send neither header and
 * are let through; pages cannot forge either one.
 */
export function refuseCrossSite(rejections: WebhookRejections): MiddlewareHandler {
  return async function sameOriginOnly(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site')?.toLowerCase();
    const origin = c.req.header('origin');
    let foreign: string | undefined;
    if (site !== undefined) {
      if (site !== 'same-origin' && site !== 'none') foreign = `Sec-Fetch-Site: ${site.slice(0, 32)}`;
    } else if (origin !== undefined) {
      const from = originHost(origin);
      const hosts = [c.req.header('host'), ...(c.req.header('x-forwarded-host')?.split(',') ?? [])].map((h) => h?.trim().toLowerCase());
      if (from === undefined || !hosts.includes(from)) foreign = `Origin ${from ?? 'null'} is not this host`;
    }
    if (foreign) return refuse(c, rejections, 403, 'cross_site', `cross-site request refused (${foreign}); state-changing requests must come from this origin`);
    return next();
  };
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * 415 unless the body is declared `application/json`. With `onlyWithBody`, a request that
 * declares neither a body nor a Content-Type passes: actions such as "retry job" carry none.
 */
export function requireJson(rejections: WebhookRejections, options: { onlyWithBody?: boolean } = {}): MiddlewareHandler {
  return async function jsonOnly(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const type = c.req.header('content-type');
    if (options.onlyWithBody && type === undefined) {
      const length = c.req.header('content-length');
      const declaresBody = c.req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
      if (!declaresBody) return next();
    }
    if (!isJsonContentType(type)) {
      return refuse(
        c,
        rejections,
        415,
        'unsupported_media_type',
        `Content-Type must be application/json (got ${type ? JSON.stringify(type.slice(0, 64)) : 'none'})`,
      );
    }
    return next();
  };
}
