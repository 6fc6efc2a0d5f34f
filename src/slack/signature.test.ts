import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from './signature.js';

// The worked example of Slack's documentation (api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TS = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack request signatures', () => {
  const now = Number(DOC_TS) * 1000;

  it('reproduces the signature of Slack documentation example', () => {
    expect(slackSignature(DOC_SECRET, DOC_TS, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  const scenarios: [string, Parameters<typeof verifySlackSignature>, ReturnType<typeof verifySlackSignature>][] = [
    ['valid', [DOC_SECRET, DOC_TS, DOC_SIGNATURE, DOC_BODY, now], { ok: true }],
    ['valid 4 minutes later', [DOC_SECRET, DOC_TS, DOC_SIGNATURE, DOC_BODY, now + 240_000], { ok: true }],
    ['stale: 6 minutes later', [DOC_SECRET, DOC_TS, DOC_SIGNATURE, DOC_BODY, now + 360_000], { ok: false, reason: 'stale' }],
    ['from the future', [DOC_SECRET, DOC_TS, DOC_SIGNATURE, DOC_BODY, now - 360_000], { ok: false, reason: 'stale' }],
    ['wrong secret', ['another-secret', DOC_TS, DOC_SIGNATURE, DOC_BODY, now], { ok: false, reason: 'invalid_signature' }],
    ['body changed', [DOC_SECRET, DOC_TS, DOC_SIGNATURE, `${DOC_BODY}&x=1`, now], { ok: false, reason: 'invalid_signature' }],
    ['timestamp changed', [DOC_SECRET, String(Number(DOC_TS) + 1), DOC_SIGNATURE, DOC_BODY, now], { ok: false, reason: 'invalid_signature' }],
    ['truncated signature', [DOC_SECRET, DOC_TS, DOC_SIGNATURE.slice(0, -2), DOC_BODY, now], { ok: false, reason: 'invalid_signature' }],
    ['v1 scheme', [DOC_SECRET, DOC_TS, DOC_SIGNATURE.replace('v0=', 'v1='), DOC_BODY, now], { ok: false, reason: 'invalid_signature' }],
    ['no signature', [DOC_SECRET, DOC_TS, undefined, DOC_BODY, now], { ok: false, reason: 'missing' }],
    ['no timestamp', [DOC_SECRET, undefined, DOC_SIGNATURE, DOC_BODY, now], { ok: false, reason: 'missing' }],
    ['timestamp not a number', [DOC_SECRET, '1531420618abc', DOC_SIGNATURE, DOC_BODY, now], { ok: false, reason: 'stale' }],
  ];
  it.each(scenarios)('%s', (_name, args, expected) => {
    expect(verifySlackSignature(...args)).toEqual(expected);
  });
});
