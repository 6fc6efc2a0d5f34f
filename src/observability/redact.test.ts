import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, REDACTED, registerSecret, scrub, scrubDeep } from './redact.js';

afterEach(() => clearSecrets());

describe('secret scrubbing', () => {
  it.each([
    ['Authorization: Bearer abcdef123456', `Authorization: Bearer ${REDACTED}`],
    ['redis://user:s3cret@redis:6379/0', `redis://${REDACTED}@redis:6379/0`],
    ['token xoxb-1234-5678-abcdefgh', `token ${REDACTED}`],
    ['got ghp_abcdefghijklmnopqrstuvwxyz here', `got ${REDACTED} here`],
    ['https://x/y?api_key=abc123&b=1', `https://x/y?api_key=${REDACTED}&b=1`],
    ['nothing secret here', 'nothing secret here'],
  ])('%s', (input, expected) => {
    expect(scrub(input)).toBe(expected);
  });

  it('removes registered secret values wherever they appear', () => {
    registerSecret('hcloud-secret-value-42');
    expect(scrub('failed: token hcloud-secret-value-42 rejected')).not.toContain('hcloud-secret-value-42');
    expect(scrubDeep({ a: ['x hcloud-secret-value-42'] })).toEqual({ a: [`x ${REDACTED}`] });
  });

  it('replaces secret-named keys in objects', () => {
    expect(scrubDeep({ headers: { Authorization: 'Basic abc', accept: 'json' } })).toEqual({ headers: { Authorization: REDACTED, accept: 'json' } });
  });
});
