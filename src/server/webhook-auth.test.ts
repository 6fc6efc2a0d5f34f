import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { checkSignature, webhookCredentials } from './webhook-auth.js';
import { WebhookRejections } from './webhook-rejections.js';
import { signBody } from './webhook-signature.js';

const TOKEN = 'webhook-auth-token-012345';
const SECRET = 'webhook-auth-hmac-secret-0123';
const BODY = '{"version":"1","alerts":[]}';
const now = () => String(Math.floor(Date.now() / 1000));

/** The receiver's credential steps alone, in front of a handler that reads the raw body. */
function app(server: string, insecure = false) {
  const config = parseConfig(`server: ${server}\n`, 'test.yaml', {});
  const rejections = new WebhookRejections(createLogger({ level: 'silent' }), 60_000);
  const a = new Hono();
  a.post('/hooks/grafana', webhookCredentials(config.server.auth, rejections, insecure), async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    return checkSignature(c, config.server.auth, raw, rejections) ?? c.json({ ok: true });
  });
  return (headers: Record<string, string>) => a.request('/hooks/grafana', { method: 'POST', headers, body: BODY });
}

const both = app(`{ auth: { bearerTokens: ["${TOKEN}"], hmac: { secret: "${SECRET}" } } }`);
const stamped = app(`{ auth: { hmac: { secret: "${SECRET}", header: X-Signature, timestampHeader: X-Ts, maxSkew: 1m } } }`);
const tokenOnly = app(`{ auth: { bearerTokens: ["${TOKEN}"] } }`);

describe('webhook credentials: bearer/basic beside Grafana signatures', () => {
  it.each([
    ['a bearer token alone', both, { authorization: `Bearer ${TOKEN}` }, 200],
    ['a body signature alone', both, { 'x-grafana-alerting-signature': signBody(SECRET, BODY) }, 200],
    ["Grafana's fallback header", both, { 'x-grafana-alert-signature': signBody(SECRET, BODY) }, 200],
    [
      "Grafana's conventional timestamp header, not configured here",
      both,
      { 'x-grafana-alerting-timestamp': now(), 'x-grafana-alerting-signature': signBody(SECRET, BODY, now()) },
      200,
    ],
    ['a stale conventional timestamp', both, { 'x-grafana-alerting-timestamp': '1000', 'x-grafana-alerting-signature': signBody(SECRET, BODY, '1000') }, 401],
    ['token and signature, both valid', both, { authorization: `Bearer ${TOKEN}`, 'x-grafana-alerting-signature': signBody(SECRET, BODY) }, 200],
    [
      'a valid signature beside a wrong token',
      both,
      { authorization: 'Bearer wrong-token-0000000000', 'x-grafana-alerting-signature': signBody(SECRET, BODY) },
      401,
    ],
    ['nothing', both, {}, 401],
    ['a configured header and timestamp', stamped, { 'x-ts': now(), 'x-signature': signBody(SECRET, BODY, now()) }, 200],
    ['a configured timestamp header that is missing', stamped, { 'x-signature': signBody(SECRET, BODY) }, 401],
    ['the default header when another is configured', stamped, { 'x-ts': now(), 'x-grafana-alerting-signature': signBody(SECRET, BODY, now()) }, 401],
    ['a signature where no secret is configured (ignored: token needed)', tokenOnly, { 'x-grafana-alerting-signature': signBody(SECRET, BODY) }, 401],
  ] as const)('%s -> %i', async (_name, post, headers, status) => {
    expect((await post({ 'content-type': 'application/json', ...headers })).status).toBe(status);
  });

  it('--insecure-no-auth without any credential configured lets requests through; with a secret it does not', async () => {
    expect((await app('{}', true)({})).status).toBe(200);
    expect((await app(`{ auth: { hmac: { secret: "${SECRET}" } } }`, true)({})).status).toBe(401);
  });

  it('refuses a secret shorter than 16 characters at load, naming the field', () => {
    expect(() => parseConfig('server: { auth: { hmac: { secret: short } } }\n', 'test.yaml', {})).toThrow(
      /server\.auth\.hmac\.secret: must be at least 16 characters/,
    );
    expect(() => parseConfig('server: { auth: { hmac: { header: "bad header" } } }\n', 'test.yaml', {})).toThrow(
      /server\.auth\.hmac\.header: must be an HTTP header name/,
    );
  });
});
