import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The browser session cookie's name (set by POST /login, read by the operator pages). */
export const SESSION_COOKIE = 'alertworks_session';

export interface SessionCodec {
  /** A cookie value valid until `now + ttl`. */
  issue(now?: number): string;
  /** true when the value was issued by this codec (same credentials) and has not expired. */
  verify(value: string, now?: number): boolean;
  readonly ttlMs: number;
}

/**
 * Stateless, signed session values: `v1.<expiry ms>.<HMAC-SHA256>`. The signing key is derived
 * from the configured credentials, so every receiver replica accepts the same cookie without
 * shared state, and rotating the webhook token ends every session signed with the old one.
 * A cookie proves that its holder knew a valid credential within the last `ttlMs`.
 */
export function createSessionCodec(credentials: readonly string[], ttlMs: number): SessionCodec {
  const key = createHash('sha256')
    .update('alertworks-session-v1')
    .update('\0')
    .update([...credentials].sort().join('\0'))
    .digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    ttlMs,
    issue(now = Date.now()) {
      const payload = `v1.${now + ttlMs}`;
      return `${payload}.${sign(payload)}`;
    },
    verify(value, now = Date.now()) {
      // Bounded before any work: the cookie is sender-controlled.
      if (value.length > 128) return false;
      const match = /^(v1\.(\d{1,15}))\.([\w-]{43})$/.exec(value);
      if (!match) return false;
      const [, payload = '', expiry = '0', mac = ''] = match;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(mac);
      return given.length === expected.length && timingSafeEqual(given, expected) && Number(expiry) > now;
    },
  };
}
