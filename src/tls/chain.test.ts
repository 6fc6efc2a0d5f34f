import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../../test/support/certs.js';
import { TrustAnchors, describeCertificate, judgeChain, parsePemCertificates, reasonFromVerifyCode, verifyChainOffline } from './chain.js';

describe('reasonFromVerifyCode', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not_yet_valid'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self_signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted_chain'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted_chain'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted_chain'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname_mismatch'],
  ])('%s -> %s', (code, reason) => {
    expect(reasonFromVerifyCode(code)).toBe(reason);
  });
});

describe('offline chain judgement (files, acme.json)', () => {
  let pki: TestPki;
  let anchors: TrustAnchors;
  const now = Date.now();
  beforeAll(() => {
    pki = TestPki.create('chain-unit');
    anchors = TrustAnchors.create(pki.ca.certPem);
  });

  const cases: Array<{ name: string; make: (p: TestPki) => { chainPem: string }; host?: string; reason?: string; code?: string }> = [
    { name: 'valid chain', make: (p) => p.leaf({ commonName: 'ok.test', notAfterDays: 30 }), host: 'ok.test' },
    {
      name: 'expired leaf',
      make: (p) => p.leaf({ commonName: 'old.test', notBeforeDays: -60, notAfterDays: -1 }),
      reason: 'expired',
      code: 'CERT_HAS_EXPIRED',
    },
    {
      name: 'not yet valid',
      make: (p) => p.leaf({ commonName: 'new.test', notBeforeDays: 2, notAfterDays: 30 }),
      reason: 'not_yet_valid',
      code: 'CERT_NOT_YET_VALID',
    },
    {
      name: 'self-signed',
      make: (p) => p.selfSigned({ commonName: 'self.test', notAfterDays: 30 }),
      reason: 'self_signed',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    },
    {
      name: 'leaf without its intermediate',
      make: (p) => ({ chainPem: p.leaf({ commonName: 'bare.test', notAfterDays: 30 }).certPem }),
      reason: 'untrusted_chain',
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    },
    { name: 'wrong host', make: (p) => p.leaf({ commonName: 'other.test', notAfterDays: 30 }), host: 'api.test', reason: 'hostname_mismatch' },
    { name: 'wildcard covers one label', make: (p) => p.leaf({ commonName: '*.example.test', notAfterDays: 30 }), host: 'api.example.test' },
  ];

  it.each(cases)('$name', (c) => {
    const chain = parsePemCertificates(c.make(pki).chainPem);
    const code = verifyChainOffline(chain, anchors, now);
    expect(code).toBe(c.code);
    const verdict = judgeChain({ leaf: chain[0] as X509Certificate, ...(code ? { verifyCode: code } : {}), hostnames: c.host ? [c.host] : [], now });
    expect(verdict.reason).toBe(c.reason);
  });

  it('a chain that only verifies with the caFile is untrusted without it', () => {
    const chain = parsePemCertificates(pki.leaf({ commonName: 'x.test', notAfterDays: 30 }).chainPem);
    expect(verifyChainOffline(chain, TrustAnchors.create(), now)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  it('describes a certificate: names, dates, days left, fingerprint', () => {
    const leaf = pki.leaf({ commonName: 'desc.test', sans: ['desc.test', 'www.desc.test', '127.0.0.1'], notAfterDays: 10 });
    const [cert] = parsePemCertificates(leaf.certPem);
    const info = describeCertificate(cert as X509Certificate, now, anchors);
    expect(info.commonName).toBe('desc.test');
    expect(info.sans).toEqual(['desc.test', 'www.desc.test', '127.0.0.1']);
    expect(info.issuer).toBe('CN=chain-unit intermediate');
    expect(info.daysLeft).toBeGreaterThan(9.9);
    expect(info.daysLeft).toBeLessThanOrEqual(10);
    expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(info.selfSigned).toBe(false);
    expect(info.trustAnchor).toBe(false);
    const [root] = parsePemCertificates(pki.ca.certPem);
    expect(describeCertificate(root as X509Certificate, now, anchors)).toMatchObject({ selfSigned: true, trustAnchor: true });
  });

  it('never parses key blocks in a PEM file', () => {
    const leaf = pki.leaf({ commonName: 'k.test', notAfterDays: 30 });
    expect(parsePemCertificates(leaf.keyPem + leaf.chainPem)).toHaveLength(2);
  });
});
