import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { Counter } from 'prom-client';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Logger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import { checkAuthorization, isAuthConfigured, type AuthOptions } from './auth.js';
import { createSessionCodec, SESSION_COOKIE, type SessionCodec } from './session.js';

export interface LoginOptions {
  auth: AuthOptions;
  session: { ttl: number; secureCookie: 'auto' | boolean };
  insecureNoAuth?: boolean;
  logger: Logger;
}

const logins = new Counter({
  name: 'alertworks_login_attempts_total',
  help: 'Logins to the operator pages, by outcome (ok, refused).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Where a login may send the browser next: only our own pages (no open redirect). */
const NEXT_PATH = /^\/(?:status|admin\/queues|api\/)[\w\-./?=&%]{0,200}$/;
function safeNext(value: unknown): string {
  return typeof value === 'string' && NEXT_PATH.test(value) && !value.includes('//') ? value : '/status';
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function loginPage(next: string, withUser: boolean, problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>alertworks login</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px system-ui,sans-serif;margin:3rem auto;max-width:26rem;padding:0 1rem}label,input,button{display:block;width:100%;box-sizing:border-box}input{margin:.3rem 0 1rem;padding:.5rem;font:inherit}button{padding:.5rem;font:inherit}.problem{color:#b00020}</style>
</head><body>
<h1>alertworks</h1>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/login">
${withUser ? '<label for="username">User (only for a server.auth.basic user; empty for the token)</label>\n<input id="username" name="username" autocomplete="username">\n' : ''}<label for="token">Webhook token (WEBHOOK_TOKEN; <code>npm start</code> prints it when it makes one)${withUser ? ' or the user&#39;s password' : ''}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Log in</button>
</form>
</body></html>`;
}

/** Request came over TLS: the URL itself, or a TLS-terminating proxy's X-Forwarded-Proto. */
function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * Browser access to the operator pages: GET /login shows a form for the webhook token;
 * POST /login checks it like a bearer header and sets a signed, expiring session cookie
 * (HttpOnly, SameSite=Strict, Secure over https); POST /logout removes it. Returns the
 * middleware that guards the pages: a bearer/basic header or a valid session cookie; a
 * browser without either is sent to the login form, anything else gets 401.
 */
export function mountLogin(app: Hono, options: LoginOptions): MiddlewareHandler {
  const { auth, logger } = options;
  const open = options.insecureNoAuth === true && !isAuthConfigured(auth);
  const sessions: SessionCodec = createSessionCodec([...auth.bearerTokens, ...auth.basic.map((u) => `${u.username}:${u.password}`)], options.session.ttl);
  const secure = (c: Context) => (options.session.secureCookie === 'auto' ? overHttps(c) : options.session.secureCookie);
  const page = (c: Context, html: string, status: 200 | 401 = 200) => {
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    c.header('Cache-Control', 'no-store');
    return c.html(html, status);
  };

  const withUser = auth.basic.length > 0;
  app.get('/login', (c) => page(c, loginPage(safeNext(c.req.query('next')), withUser)));
  app.post('/login', bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text('login form too large', 413) }), async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const next = safeNext(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const user = typeof form.username === 'string' ? form.username.trim() : '';
    if (open) return c.redirect(next, 303);
    const header = user ? `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` : `Bearer ${token}`;
    if (!token || !checkAuthorization(header, auth)) {
      logins.inc({ outcome: 'refused' });
      logger.warn({ reason: token ? 'wrong token' : 'no token' }, 'login refused');
      return page(c, loginPage(next, withUser, token ? 'That token is not valid here.' : 'Enter the webhook token.'), 401);
    }
    logins.inc({ outcome: 'ok' });
    setCookie(c, SESSION_COOKIE, sessions.issue(), {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: secure(c),
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    logger.info({ ttlMs: sessions.ttlMs }, 'login: session started');
    return c.redirect(next, 303);
  });
  app.post('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
    return c.redirect('/login', 303);
  });

  return async function pageAuth(c, next) {
    if (open) return next();
    if (checkAuthorization(c.req.header('authorization'), auth)) return next();
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie && sessions.verify(cookie)) return next();
    const path = new URL(c.req.url).pathname + new URL(c.req.url).search;
    if (c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html')) {
      return c.redirect(`/login?next=${encodeURIComponent(safeNext(path))}`, 303);
    }
    c.header('WWW-Authenticate', auth.basic.length > 0 ? 'Basic realm="alertworks"' : 'Bearer realm="alertworks"');
    return c.json({ error: 'log in at /login, or send Authorization: Bearer <WEBHOOK_TOKEN>' }, 401);
  };
}
