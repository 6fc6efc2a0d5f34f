import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './webhook-signature.js';

const SECRET = 'grafana-hmac-secret-0123456789';
const BODY = Buffer.from('{"version":"1","alerts":[]}');
const NOW = 1_790_000_000_000;
const TS = String(NOW / 1000);
const plain = { secret: SECRET, timestampHeader: undefined, maxSkew: 300_000 };
const stamped = { secret: SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp', maxSkew: 300_000 };
// Computed independently of signBody, as grafana/alerting http/hmac.go does: hex(HMAC-SHA256(secret, [ts ":"] body)).
const grafanaSig = (body: Buffer, ts?: string) =>
  createHmac('sha256', SECRET)
    .update(ts ? Buffer.concat([Buffer.from(`${ts}:`), body]) : body)
    .digest('hex');

describe('verifySignature (Grafana webhook HMAC)', () => {
  it('signBody signs exactly as Grafana does', () => {
    expect(signBody(SECRET, BODY)).toBe(grafanaSig(BODY));
    expect(signBody(SECRET, BODY, TS)).toBe(grafanaSig(BODY, TS));
  });

  it.each([
    ['a body signature', plain, grafanaSig(BODY), undefined],
    ['uppercase hex', plain, grafanaSig(BODY).toUpperCase(), undefined],
    ['a timestamped signature', stamped, grafanaSig(BODY, TS), TS],
    ['a timestamp 4 minutes old', stamped, grafanaSig(BODY, String(NOW / 1000 - 240)), String(NOW / 1000 - 240)],
  ])('accepts %s', (_name, config, signature, timestamp) => {
    expect(verifySignature(config, BODY, signature, timestamp, NOW)).toEqual({ ok: true });
  });

  it.each([
    ['no signature', plain, undefined, undefined, 'invalid_signature', 'signature header is missing'],
    [
      'a signature with another secret',
      plain,
      createHmac('sha256', 'other-secret-xxxxxxxx').update(BODY).digest('hex'),
      undefined,
      'invalid_signature',
      'signature does not match the body',
    ],
    ['a signature of another body', plain, grafanaSig(Buffer.from('{}')), undefined, 'invalid_signature', 'signature does not match the body'],
    ['a sha256= prefixed signature', plain, `sha256=${grafanaSig(BODY)}`, undefined, 'invalid_signature', 'signature is not a hex SHA-256 digest'],
    ['a truncated signature', plain, grafanaSig(BODY).slice(0, 40), undefined, 'invalid_signature', 'signature is not a hex SHA-256 digest'],
    ['a body-only signature when a timestamp is expected', stamped, grafanaSig(BODY), TS, 'invalid_signature', 'signature does not match the body'],
    [
      'no timestamp when one is configured',
      stamped,
      grafanaSig(BODY, TS),
      undefined,
      'stale_signature',
      'X-Grafana-Alerting-Timestamp is missing or not Unix seconds',
    ],
    [
      'a timestamp in milliseconds-with-dot',
      stamped,
      grafanaSig(BODY, TS),
      `${TS}.5`,
      'stale_signature',
      'X-Grafana-Alerting-Timestamp is missing or not Unix seconds',
    ],
    [
      'a timestamp 6 minutes old',
      stamped,
      grafanaSig(BODY, String(NOW / 1000 - 360)),
      String(NOW / 1000 - 360),
      'stale_signature',
      'X-Grafana-Alerting-Timestamp is 360s away from now (allowed 300s)',
    ],
    [
      'a timestamp 10 minutes ahead',
      stamped,
      grafanaSig(BODY, String(NOW / 1000 + 600)),
      String(NOW / 1000 + 600),
      'stale_signature',
      'X-Grafana-Alerting-Timestamp is 600s away from now (allowed 300s)',
    ],
    [
      'a replay with a fresh timestamp but the old signature',
      stamped,
      grafanaSig(BODY, String(NOW / 1000 - 3600)),
      TS,
      'invalid_signature',
      'signature does not match the body',
    ],
  ])('refuses %s', (_name, config, signature, timestamp, reason, detail) => {
    expect(verifySignature(config, BODY, signature, timestamp, NOW)).toEqual({ ok: false, reason, detail });
  });

  it('never puts the secret or the expected digest in its answer', () => {
    const verdict = verifySignature(plain, BODY, 'f'.repeat(64), undefined, NOW);
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
    expect(JSON.stringify(verdict)).not.toContain(grafanaSig(BODY));
  });
});
