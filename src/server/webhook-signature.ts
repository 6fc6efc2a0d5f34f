import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookHmacConfig } from '../config/intake-schema.js';

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'invalid_signature' | 'stale_signature'; detail: string };

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Checks a request signed the way Grafana's webhook notifier signs (grafana/alerting
 * http/hmac.go): hex HMAC-SHA256 with the shared secret over the raw body, or over
 * `<timestamp>:<raw body>` when a timestamp header is configured; the timestamp is Unix
 * seconds and must be within `maxSkew` of our clock. The digests are compared in constant time.
 */
export function verifySignature(
  config: Pick<WebhookHmacConfig, 'secret' | 'timestampHeader' | 'maxSkew'>,
  rawBody: Uint8Array,
  signature: string | undefined,
  timestamp: string | undefined,
  nowMs: number = Date.now(),
): SignatureVerdict {
  if (!config.secret) return { ok: false, reason: 'invalid_signature', detail: 'no signing secret is configured' };
  if (!signature) return { ok: false, reason: 'invalid_signature', detail: 'signature header is missing' };
  const hmac = createHmac('sha256', config.secret);
  if (config.timestampHeader) {
    if (!timestamp || !UNIX_SECONDS.test(timestamp)) {
      return { ok: false, reason: 'stale_signature', detail: `${config.timestampHeader} is missing or not Unix seconds` };
    }
    const skewMs = Math.abs(nowMs - Number(timestamp) * 1000);
    if (skewMs > config.maxSkew) {
      return {
        ok: false,
        reason: 'stale_signature',
        detail: `${config.timestampHeader} is ${Math.round(skewMs / 1000)}s away from now (allowed ${config.maxSkew / 1000}s)`,
      };
    }
    hmac.update(`${timestamp}:`);
  }
  hmac.update(rawBody);
  const expected = hmac.digest();
  const given = signature.trim();
  // The format is public; only the digest's bytes are compared, in constant time.
  if (!HEX_SHA256.test(given)) return { ok: false, reason: 'invalid_signature', detail: 'signature is not a hex SHA-256 digest' };
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: false, reason: 'invalid_signature', detail: 'signature does not match the body' };
  return { ok: true };
}

/** Signs as Grafana does; for tests, fakes and the docs' curl example. */
export function signBody(secret: string, body: string | Uint8Array, timestamp?: string): string {
  const hmac = createHmac('sha256', secret);
  if (timestamp !== undefined) hmac.update(`${timestamp}:`);
  return hmac.update(body).digest('hex');
}
