import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { mountLogin, type LoginOptions } from './login.js';

const TOKEN = 'login-test-token-0123456789';
const logger = createLogger({ level: 'silent' });

function appWith(overrides: Partial<LoginOptions> = {}): Hono {
  const app = new Hono();
  const pageAuth = mountLogin(app, {
    auth: { bearerTokens: [TOKEN], basic: [{ username: 'ops', password: 'ops-password-1' }] },
    session: { ttl: 3_600_000, secureCookie: 'auto' },
    logger,
    ...overrides,
  });
  app.get('/status', pageAuth, (c) => c.text('the status page'));
  app.get('/admin/queues/api/queues', pageAuth, (c) => c.json({ queues: [] }));
  return app;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function login(app: Hono, fields: Record<string, string>, headers: Record<string, string> = {}, url = 'http://localhost/login'): Promise<Response> {
  const init = form(fields);
  return app.request(url, { ...init, headers: { ...init.headers, ...headers } });
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('operator page login', () => {
  it('sends a browser without a session to the login form, and a script gets 401', async () => {
    const app = appWith();
    const browser = await app.request('/status?x=1', { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe('/login?next=%2Fstatus%3Fx%3D1');
    const script = await app.request('/admin/queues/api/queues');
    expect(script.status).toBe(401);
    expect(script.headers.get('www-authenticate')).toContain('realm="alertworks"');
    const form = await app.request('/login?next=%2Fstatus');
    expect(await form.text()).toContain('<input type="hidden" name="next" value="/status">');
  });

  it('a valid token sets an HttpOnly, SameSite=Strict, expiring session cookie that opens the pages', async () => {
    const app = appWith();
    const res = await login(app, { token: TOKEN, next: '/admin/queues/api/queues' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/queues/api/queues');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^alertworks_session=v1\.\d+\.[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict$/);
    const page = await app.request('/status', { headers: { Cookie: cookieOf(res) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('the status page');
    const api = await app.request('/admin/queues/api/queues', { headers: { Cookie: cookieOf(res) } });
    expect(api.status).toBe(200);
  });

  it('a wrong or missing token is refused with the form again, and no cookie', async () => {
    const app = appWith();
    for (const token of ['wrong-token-0123456789', '']) {
      const res = await login(app, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('role="alert"');
    }
  });

  it('refuses a tampered or foreign cookie', async () => {
    const app = appWith();
    const cookie = cookieOf(await login(app, { token: TOKEN }));
    const tampered = cookie.replace(/v1\.\d+/, 'v1.99999999999999');
    expect((await app.request('/status', { headers: { Cookie: tampered } })).status).toBe(401);
    const other = appWith({ auth: { bearerTokens: ['another-token-0123456789'], basic: [] } });
    expect((await other.request('/status', { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it.each([
    ['auto over plain http', 'auto', {}, false],
    ['auto behind a TLS proxy', 'auto', { 'X-Forwarded-Proto': 'https' }, true],
    ['always', true, {}, true],
    ['never', false, { 'X-Forwarded-Proto': 'https' }, false],
  ] as const)('Secure attribute: %s', async (_name, secureCookie, headers, secure) => {
    const res = await login(appWith({ session: { ttl: 3_600_000, secureCookie } }), { token: TOKEN }, headers);
    expect((res.headers.get('set-cookie') ?? '').includes('; Secure')).toBe(secure);
  });

  it('sets Secure when served over https', async () => {
    const res = await login(appWith(), { token: TOKEN }, {}, 'https://alertworks.example/login');
    expect(res.headers.get('set-cookie')).toContain('; Secure');
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example', '/login', 'javascript:alert(1)'])(
    'never redirects to %s after login',
    async (next) => {
      const res = await login(appWith(), { token: TOKEN, next });
      expect(res.headers.get('location')).toBe('/status');
    },
  );

  it('a basic-auth user logs in with name and password', async () => {
    const app = appWith();
    const res = await login(app, { username: 'ops', token: 'ops-password-1' });
    expect(res.status).toBe(303);
    expect((await app.request('/status', { headers: { Cookie: cookieOf(res) } })).status).toBe(200);
    expect((await login(app, { username: 'ops', token: TOKEN })).status).toBe(401);
  });

  it('bearer and basic headers still work for scripts', async () => {
    const app = appWith();
    expect((await app.request('/status', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('logout removes the cookie', async () => {
    const res = await appWith().request('/logout', { method: 'POST' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^alertworks_session=; Max-Age=0; Path=\//);
  });
});
