import type { Context, MiddlewareHandler } from 'hono';
import type { AppConfig } from '../config/schema.js';
import { checkAuthorization, isAuthConfigured } from './auth.js';
import type { WebhookRejections } from './webhook-rejections.js';
import { verifySignature } from './webhook-signature.js';

type WebhookAuthConfig = AppConfig['server']['auth'];

const DEFAULT_HEADER = 'X-Grafana-Alerting-Signature';
/**
 * Where Grafana puts the signature when its contact point's "Header" field is left empty:
 * grafana/alerting http/hmac.go falls back to this name, while the form's placeholder shows
 * X-Grafana-Alerting-Signature. With the default header configured, both are read.
 */
const GRAFANA_FALLBACK_HEADER = 'X-Grafana-Alert-Signature';
/** The timestamp header Grafana's docs use; honoured when present even if none is configured. */
const CONVENTIONAL_TIMESTAMP_HEADER = 'X-Grafana-Alerting-Timestamp';

function signatureHeader(c: Context, header: string): string | undefined {
  return c.req.header(header) ?? (header === DEFAULT_HEADER ? c.req.header(GRAFANA_FALLBACK_HEADER) : undefined);
}

/**
 * Requests whose signature is checked once the body is read (it signs the raw body). Keyed by
 * the Context: hono's streaming body limit replaces `c.req.raw` with a new Request.
 */
const signedRequests = new WeakSet<Context>();

/**
 * Credentials of a webhook: a bearer token or basic auth (Alertmanager, older Grafana), and/or
 * Grafana's HMAC signature when a secret is configured. Every credential a request presents
 * must be valid, and at least one must be present. The signature needs the raw body, so this
 * only marks the request; `checkSignature` runs after the body limit has read it.
 */
export function webhookCredentials(auth: WebhookAuthConfig, rejections: WebhookRejections, insecure = false): MiddlewareHandler {
  const signing = auth.hmac.secret !== undefined;
  const challenge = auth.basic.length > 0 ? 'Basic realm="alertworks"' : 'Bearer realm="alertworks"';
  return async function webhookAuth(c, next) {
    if (insecure && !isAuthConfigured(auth) && !signing) return next();
    const header = c.req.header('authorization');
    const signature = signing ? signatureHeader(c, auth.hmac.header) : undefined;
    if (header !== undefined && !checkAuthorization(header, auth)) {
      c.header('WWW-Authenticate', challenge);
      return rejections.reject(c, 401, 'invalid_credentials', 'invalid credentials', 'Authorization header does not match any configured credential');
    }
    if (signature !== undefined) signedRequests.add(c);
    if (header !== undefined || signature !== undefined) return next();
    c.header('WWW-Authenticate', challenge);
    const missing = signing ? `missing Authorization header or ${auth.hmac.header} signature` : 'missing Authorization header';
    return rejections.reject(c, 401, 'missing_credentials', missing);
  };
}

/** For a request marked by webhookCredentials: the signature over the raw body, or a 401 answer. */
export function checkSignature(c: Context, auth: WebhookAuthConfig, rawBody: Uint8Array, rejections: WebhookRejections): Response | undefined {
  if (!signedRequests.has(c)) return undefined;
  const { hmac } = auth;
  // A configured timestamp header is required. Without one, a request that carries Grafana's
  // conventional timestamp header was signed over "<ts>:<body>" and is checked so, window included.
  const timestampHeader = hmac.timestampHeader ?? (c.req.header(CONVENTIONAL_TIMESTAMP_HEADER) !== undefined ? CONVENTIONAL_TIMESTAMP_HEADER : undefined);
  const timestamp = timestampHeader ? c.req.header(timestampHeader) : undefined;
  const verdict = verifySignature({ ...hmac, timestampHeader }, rawBody, signatureHeader(c, hmac.header), timestamp);
  if (verdict.ok) return undefined;
  const error = verdict.reason === 'stale_signature' ? 'stale or missing signature timestamp' : 'invalid signature';
  return rejections.reject(c, 401, verdict.reason, error, verdict.detail);
}
