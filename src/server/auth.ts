import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export interface AuthOptions {
  bearerTokens: readonly string[];
  basic: readonly { username: string; password: string }[];
}

/** Compares digests so neither length nor content leaks through timing. */
function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function isAuthConfigured(options: AuthOptions): boolean {
  return options.bearerTokens.length > 0 || options.basic.length > 0;
}

/** Checks an Authorization header against every configured credential (all compared). */
export function checkAuthorization(header: string | undefined, options: AuthOptions): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  let ok = false;
  if (scheme === 'bearer') {
    for (const token of options.bearerTokens) ok = safeEqual(value, token) || ok;
  } else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    for (const user of options.basic) ok = safeEqual(decoded, `${user.username}:${user.password}`) || ok;
  }
  return ok;
}

/**
 * Bearer token(s) or basic auth; 401 with a reason otherwise. `insecure` (--insecure-no-auth)
 * lets everything through, for a loopback-only demo.
 */
export function requireAuth(options: AuthOptions, insecure = false): MiddlewareHandler {
  return async function auth(c, next) {
    if (insecure && !isAuthConfigured(options)) return next();
    const header = c.req.header('authorization');
    if (!checkAuthorization(header, options)) {
      // Basic first when configured: it makes a browser prompt for /status and /admin/queues.
      c.header('WWW-Authenticate', options.basic.length > 0 ? 'Basic realm="alertworks"' : 'Bearer realm="alertworks"');
      return c.json({ error: header ? 'invalid credentials' : 'missing Authorization header' }, 401);
    }
    return next();
  };
}
