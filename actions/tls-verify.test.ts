import { describe, expect, it } from 'vitest';
import { certificateName, resolveVerifyTarget, tlsVerifySettingsSchema } from './tls-verify.js';

describe('certificateName (labels are untrusted)', () => {
  it.each([
    [{ cn: 'API.Example.com' }, 'api.example.com'],
    [{ cn: 'api.example.com.' }, 'api.example.com'],
    [{ sans: 'www.example.com,example.com' }, 'www.example.com'],
    [{ domain: 'example.com' }, 'example.com'],
    [{ cn: '*.example.com' }, '*.example.com'],
    [{ cn: 'evil.com:22' }, undefined],
    [{ cn: 'a b' }, undefined],
    [{ cn: '127.0.0.1/../x' }, undefined],
    [{ cn: '-bad.example.com' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (labels, name) => {
    expect(certificateName(labels as Record<string, string>)).toBe(name);
  });
});

describe('resolveVerifyTarget (allowlist)', () => {
  const settings = tlsVerifySettingsSchema.parse({
    caFile: '/etc/ca.pem',
    names: [
      { match: 'shop.example.com' },
      { match: '*.internal.example.com', target: 'traefik.internal:443' },
      { match: '=~(a|b)\\.example\\.org', target: '{name}:8443' },
      { match: '*.wild.example.com', target: 'edge:443', serverName: 'probe.wild.example.com' },
    ],
  });
  const config = { checks: [{ name: 'api-cert', type: 'tls', intervalMs: 1, target: '10.0.0.5:443', serverName: 'api.example.com' }] };

  it.each([
    ['shop.example.com', { host: 'shop.example.com', port: 443, serverName: 'shop.example.com', caFile: '/etc/ca.pem' }],
    ['grafana.internal.example.com', { host: 'traefik.internal', port: 443, serverName: 'grafana.internal.example.com' }],
    ['a.b.internal.example.com', undefined],
    ['b.example.org', { host: 'b.example.org', port: 8443, serverName: 'b.example.org' }],
    ['c.example.org', undefined],
    ['*.wild.example.com', { host: 'edge', port: 443, serverName: 'probe.wild.example.com' }],
    ['*.internal.example.com', undefined],
    ['api.example.com', { host: '10.0.0.5', port: 443, serverName: 'api.example.com' }],
    ['attacker.example.net', undefined],
  ])('%s -> %j', (name, expected) => {
    const target = resolveVerifyTarget(name, settings, config);
    if (expected === undefined) expect(target).toBeUndefined();
    else expect(target).toMatchObject(expected);
  });

  it('check targets are not allowed when includeCheckTargets is off', () => {
    expect(resolveVerifyTarget('api.example.com', { ...settings, includeCheckTargets: false }, config)).toBeUndefined();
  });
});
