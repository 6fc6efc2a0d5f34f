import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../../test/support/certs.js';
import { expandGlob } from './file-glob.js';
import { TrustAnchors } from './chain.js';
import { parseAcmeJson, parseTarget, readAcmeJson, readCertificateFiles } from './sources.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseTarget', () => {
  it.each([
    ['api.example.com:443', { host: 'api.example.com', port: 443 }],
    ['api.example.com', { host: 'api.example.com', port: 443 }],
    ['127.0.0.1:8443', { host: '127.0.0.1', port: 8443 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['host:0', undefined],
    ['host:70000', undefined],
    ['https://host', undefined],
    ['', undefined],
  ])('%j -> %j', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });
});

describe('parseAcmeJson', () => {
  const scenarios = [
    {
      name: 'two resolvers, sans, keys dropped',
      json: {
        le: {
          Account: { Email: 'ops@example.com', PrivateKey: 'ACCOUNTKEY' },
          Certificates: [{ domain: { main: 'a.example.com', sans: ['www.a.example.com'] }, certificate: b64('PEM-A'), key: b64('KEY-A'), Store: 'default' }],
        },
        staging: { Account: null, Certificates: [{ domain: { main: 'b.example.com' }, certificate: b64('PEM-B'), key: b64('KEY-B') }] },
      },
      expected: [
        { resolver: 'le', main: 'a.example.com', sans: ['www.a.example.com'], chainPem: 'PEM-A' },
        { resolver: 'staging', main: 'b.example.com', sans: [], chainPem: 'PEM-B' },
      ],
    },
    { name: 'resolver without certificates', json: { le: { Account: {}, Certificates: null } }, expected: [] },
    { name: 'entry without a certificate is skipped', json: { le: { Certificates: [{ domain: { main: 'x' } }] } }, expected: [] },
  ];
  it.each(scenarios)('$name', ({ json, expected }) => {
    const parsed = parseAcmeJson(JSON.stringify(json));
    expect(parsed).toEqual(expected);
    expect(JSON.stringify(parsed)).not.toMatch(/KEY|ACCOUNTKEY/);
  });

  it.each([['[]'], ['null'], ['"x"']])('refuses %s', (text) => {
    expect(() => parseAcmeJson(text)).toThrow(/expected an object/);
  });
});

describe('file sources', () => {
  let dir: string;
  let pki: TestPki;
  beforeAll(() => {
    pki = TestPki.create('files-unit');
    dir = mkdtempSync(join(tmpdir(), 'aw-tls-files-'));
    mkdirSync(join(dir, 'live', 'a'), { recursive: true });
    mkdirSync(join(dir, 'live', 'b', 'deep'), { recursive: true });
    const a = pki.leaf({ commonName: 'a.test', notAfterDays: 10 });
    const b = pki.leaf({ commonName: 'b.test', notAfterDays: 40 });
    writeFileSync(join(dir, 'live', 'a', 'fullchain.pem'), a.chainPem);
    writeFileSync(join(dir, 'live', 'a', 'privkey.pem'), a.keyPem);
    writeFileSync(join(dir, 'live', 'b', 'deep', 'fullchain.pem'), b.chainPem);
    writeFileSync(join(dir, 'live', '.hidden.pem'), b.chainPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['live/*/fullchain.pem', ['live/a/fullchain.pem']],
    ['live/**/fullchain.pem', ['live/a/fullchain.pem', 'live/b/deep/fullchain.pem']],
    ['live/a/*.pem', ['live/a/fullchain.pem', 'live/a/privkey.pem']],
    ['live/?/fullchain.pem', ['live/a/fullchain.pem']],
    ['live/*.pem', []],
    ['nothing/*.pem', []],
  ])('glob %s', async (pattern, expected) => {
    const found = await expandGlob(pattern, dir);
    expect(found).toEqual(expected.map((p) => join(dir, p)));
  });

  it('reads each file as one certificate, skipping key-only files', async () => {
    const sources = await readCertificateFiles([join(dir, 'live/**/*.pem')], TrustAnchors.create(pki.ca.certPem), Date.now());
    expect(sources.map((s) => [s.name.slice(dir.length), s.chain.length, s.verifyCode])).toEqual([
      ['/live/a/fullchain.pem', 2, undefined],
      ['/live/b/deep/fullchain.pem', 2, undefined],
    ]);
  });

  it('a missing literal file is an error naming it', async () => {
    await expect(readCertificateFiles([join(dir, 'missing.pem')], TrustAnchors.create(), Date.now())).rejects.toThrow(/cannot read .*missing\.pem: ENOENT/);
  });

  it('acme.json with 3 domains -> 3 certificates with their names', async () => {
    const certs = [10, 20, 60].map((days, i) => pki.leaf({ commonName: `d${i}.test`, sans: [`d${i}.test`, `www.d${i}.test`], notAfterDays: days }));
    const path = join(dir, 'acme.json');
    writeFileSync(
      path,
      JSON.stringify({
        le: {
          Account: { PrivateKey: 'x' },
          Certificates: certs.map((c, i) => ({ domain: { main: `d${i}.test`, sans: [`www.d${i}.test`] }, certificate: b64(c.chainPem), key: b64(c.keyPem) })),
        },
      }),
    );
    const sources = await readAcmeJson(path, TrustAnchors.create(pki.ca.certPem), Date.now());
    expect(sources.map((s) => [s.name, s.kind, s.hostnames, s.verifyCode])).toEqual([
      ['d0.test', 'acme', ['d0.test', 'www.d0.test'], undefined],
      ['d1.test', 'acme', ['d1.test', 'www.d1.test'], undefined],
      ['d2.test', 'acme', ['d2.test', 'www.d2.test'], undefined],
    ]);
  });

  it('a broken acme.json names the file but does not quote it', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"le": {"key": "SECRETKEYMATERIAL"');
    const err = await readAcmeJson(path, TrustAnchors.create(), Date.now()).catch((e: Error) => e);
    expect(String(err)).toMatch(/not a valid acme\.json \(invalid JSON\)/);
    expect(String(err)).not.toContain('SECRETKEYMATERIAL');
  });
});
