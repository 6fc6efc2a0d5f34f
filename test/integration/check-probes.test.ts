import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckType, ProbeResult } from '../../checks/check-type.js';
import { httpCheck } from '../../checks/types/http.js';
import { tcpCheck } from '../../checks/types/tcp.js';
import { dnsCheck } from '../../checks/types/dns.js';
import { sesCheck } from '../../checks/types/presets/ses.js';
import { s3Check } from '../../checks/types/presets/s3.js';
import { openaiCheck } from '../../checks/types/presets/openai.js';
import { anthropicCheck } from '../../checks/types/presets/anthropic.js';
import { logger } from '../../src/observability/logger.js';
import { freePort } from '../support/ports.js';
import { FakeDns } from '../support/fake-dns.js';
import { ScriptedServer, selfSignedCert, silentServer, type RecordedRequest } from '../support/check-targets.js';

function probe(type: CheckType, raw: Record<string, unknown>): Promise<ProbeResult> {
  const check = type.schema.parse({ name: 't', type: type.type, ...raw });
  return type.probe(check, { signal: new AbortController().signal, logger });
}

let plain: ScriptedServer;
let secure: ScriptedServer;
let silent: Awaited<ReturnType<typeof silentServer>>;
let caFile: string;

beforeAll(async () => {
  const tls = selfSignedCert('localhost');
  caFile = join(mkdtempSync(join(tmpdir(), 'aw-ca-')), 'ca.pem');
  writeFileSync(caFile, tls.cert);
  [plain, secure, silent] = await Promise.all([ScriptedServer.start(), ScriptedServer.start(tls), silentServer()]);
});
afterAll(async () => {
  await Promise.all([plain.stop(), secure.stop(), silent.stop()]);
});

describe('each failure reason comes from a real failure', () => {
  it('dns: a name that does not resolve', async () => {
    const r = await probe(httpCheck, { url: 'http://no-such-host.invalid/health' });
    expect(r).toMatchObject({ success: false, failureReason: 'dns' });
    expect(r.error).toMatch(/no-such-host\.invalid/);
  });

  it('connect: a refused port (http and tcp)', async () => {
    const port = await freePort();
    expect(await probe(httpCheck, { url: `http://127.0.0.1:${port}/` })).toMatchObject({ success: false, failureReason: 'connect' });
    expect(await probe(tcpCheck, { target: `127.0.0.1:${port}` })).toMatchObject({ success: false, failureReason: 'connect' });
  });

  it('tls: an untrusted certificate, and a handshake with a server that does not speak TLS', async () => {
    const untrusted = await probe(httpCheck, { url: secure.url('/') });
    expect(untrusted).toMatchObject({ success: false, failureReason: 'tls' });
    expect(untrusted.error).toMatch(/self[- ]signed/i);
    const notTls = await probe(tcpCheck, { target: `127.0.0.1:${plain.port}`, tls: true, timeout: '2s' });
    expect(notTls).toMatchObject({ success: false, failureReason: 'tls' });
    expect(notTls.phases.connect).toBeGreaterThan(0);
  });

  it('timeout: a server that never answers (http and tcp+tls)', async () => {
    const http = await probe(httpCheck, { url: `http://127.0.0.1:${silent.port}/`, timeout: '300ms', interval: '1s' });
    expect(http).toMatchObject({ success: false, failureReason: 'timeout' });
    expect(http.durationSeconds).toBeLessThan(5);
    const tcp = await probe(tcpCheck, { target: `127.0.0.1:${silent.port}`, tls: true, timeout: '300ms', interval: '1s' });
    expect(tcp).toMatchObject({ success: false, failureReason: 'timeout' });
  });

  it('http_status: a wrong status', async () => {
    plain.respond(503, 'maintenance');
    const r = await probe(httpCheck, { url: plain.url('/health'), expect: { status: [200] } });
    expect(r).toMatchObject({ success: false, failureReason: 'http_status', statusCode: 503 });
  });

  it('assertion: a body that fails the regex, and a JSON condition that fails', async () => {
    plain.respond(200, { status: 'degraded', checks: [{ db: 'down' }] });
    expect(await probe(httpCheck, { url: plain.url('/'), expect: { bodyRegex: '"status":"ok"' } })).toMatchObject({
      success: false,
      failureReason: 'assertion',
    });
    const json = await probe(httpCheck, { url: plain.url('/'), expect: { json: [{ path: '$.checks[0].db', equals: 'up' }] } });
    expect(json).toMatchObject({ success: false, failureReason: 'assertion', error: '$.checks[0].db is "down", expected "up"' });
    expect(
      await probe(httpCheck, {
        url: plain.url('/'),
        expect: {
          json: [
            { path: '$.checks[0].db', equals: 'down' },
            { path: '$.status', matches: '^deg' },
          ],
        },
      }),
    ).toMatchObject({ success: true });
  });
});

describe('http check', () => {
  it('measures every phase over https with a trusted CA', async () => {
    secure.respond(200, 'ok');
    const r = await probe(httpCheck, { url: secure.url('/'), tls: { caFile, serverName: 'localhost' } });
    expect(r).toMatchObject({ success: true, statusCode: 200 });
    for (const phase of ['dns', 'connect', 'tls', 'processing', 'transfer'] as const) expect(r.phases[phase], phase).toBeTypeOf('number');
    expect(r.phases.tls).toBeGreaterThan(0);
  });

  it('resolves a name with the preferred address family and measures the lookup', async () => {
    plain.respond(200, 'ok');
    const r = await probe(httpCheck, { url: `http://localhost:${plain.port}/`, ipFamily: 'ipv4', ipFallback: false });
    expect(r).toMatchObject({ success: true });
    expect(r.phases.dns).toBeGreaterThanOrEqual(0);
  });

  it('sends method, headers and body', async () => {
    plain.respond(201, 'created');
    const r = await probe(httpCheck, { url: plain.url('/echo'), method: 'POST', headers: { 'x-probe': 'yes' }, body: '{"a":1}', expect: { status: [201] } });
    expect(r.success).toBe(true);
    const last = plain.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/echo', body: '{"a":1}' });
    expect(last.headers['x-probe']).toBe('yes');
  });

  it('sends the userinfo of a user:password@ URL as basic auth, and never shows the password', async () => {
    plain.respond(200, 'ok');
    const url = plain.url('/private').replace('://', '://probe:s3cret%2Fpw@');
    const check = httpCheck.schema.parse({ name: 't', type: 'http', url });
    expect(check.url).toBe(plain.url('/private'));
    const r = await httpCheck.probe(check, { signal: new AbortController().signal, logger });
    expect(r.success).toBe(true);
    expect(plain.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('probe:s3cret/pw').toString('base64')}`);
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });

  it('refuses a URL with userinfo when an Authorization header is set too', () => {
    const parsed = httpCheck.schema.safeParse({ name: 't', type: 'http', url: 'https://u:p@api.example.com/', headers: { authorization: 'Bearer x' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'url: has user:password@ and headers.Authorization is set too; keep one of them',
    ]);
  });

  it('follows redirects unless told not to', async () => {
    plain.handler = (req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else res.end('new place');
    };
    expect(await probe(httpCheck, { url: plain.url('/old'), expect: { bodyRegex: 'new place' } })).toMatchObject({ success: true, statusCode: 200 });
    expect(await probe(httpCheck, { url: plain.url('/old'), followRedirects: false })).toMatchObject({
      success: false,
      failureReason: 'http_status',
      statusCode: 301,
    });
    expect(await probe(httpCheck, { url: plain.url('/old'), followRedirects: false, expect: { status: ['3xx'] } })).toMatchObject({ success: true });
  });

  it('tcp check with TLS measures the handshake', async () => {
    const r = await probe(tcpCheck, { target: `localhost:${secure.port}`, tls: { caFile } });
    expect(r).toMatchObject({ success: true });
    expect(r.phases.tls).toBeGreaterThan(0);
  });
});

/** Recomputes the SigV4 signature of a received request with the same library (server side). */
async function verifySigV4(req: RecordedRequest, secretAccessKey: string): Promise<{ service: string; region: string; ok: boolean }> {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { service: '', region: '', ok: false };
  const [, accessKeyId, , region, service, signedHeaders] = m as unknown as string[];
  const headers: Record<string, string> = {};
  for (const h of signedHeaders!.split(';')) headers[h] = String(req.headers[h] ?? '');
  const amzDate = String(req.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signer = new SignatureV4({
    service: service!,
    region: region!,
    credentials: { accessKeyId: accessKeyId!, secretAccessKey },
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const [hostname, port] = headers.host!.split(':');
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: hostname!,
      port: port ? Number(port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: req.body || undefined,
    },
    { signingDate },
  );
  return { service: service!, region: region!, ok: expected.headers.authorization === auth };
}

describe('presets against local stand-ins of the real APIs', () => {
  const aws = { accessKeyId: 'AKIAEXAMPLEKEY000001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

  it('ses: SigV4-signed GET /v2/email/account; SendingEnabled false is an assertion failure', async () => {
    plain.respond(200, { SendingEnabled: true, ProductionAccessEnabled: true, EnforcementStatus: 'HEALTHY' });
    const r = await probe(sesCheck, { region: 'eu-central-1', endpoint: plain.url(''), ...aws });
    expect(r).toMatchObject({ success: true, statusCode: 200 });
    const req = plain.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', url: '/v2/email/account' });
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(await verifySigV4(req, aws.secretAccessKey)).toEqual({ service: 'ses', region: 'eu-central-1', ok: true });
    expect(await verifySigV4(req, 'some-other-secret-key')).toMatchObject({ ok: false });

    plain.respond(200, { SendingEnabled: false });
    expect(await probe(sesCheck, { region: 'eu-central-1', endpoint: plain.url(''), ...aws })).toMatchObject({ success: false, failureReason: 'assertion' });
    plain.respond(403, { message: 'The security token included in the request is invalid.' });
    const denied = await probe(sesCheck, { region: 'eu-central-1', endpoint: plain.url(''), ...aws });
    expect(denied).toMatchObject({ success: false, failureReason: 'http_status', statusCode: 403 });
    expect(JSON.stringify(denied)).not.toContain(aws.secretAccessKey);
  });

  it('s3: SigV4-signed HeadBucket (path-style, Hetzner-like region)', async () => {
    plain.respond(200, '');
    const r = await probe(s3Check, { endpoint: plain.url(''), bucket: 'backups-eu', region: 'fsn1', addressing: 'path', ...aws });
    expect(r).toMatchObject({ success: true, statusCode: 200 });
    const req = plain.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'HEAD', url: '/backups-eu' });
    expect(req.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await verifySigV4(req, aws.secretAccessKey)).toEqual({ service: 's3', region: 'fsn1', ok: true });
    plain.respond(404, '');
    expect(await probe(s3Check, { endpoint: plain.url(''), bucket: 'backups-eu', region: 'fsn1', addressing: 'path', ...aws })).toMatchObject({
      success: false,
      failureReason: 'http_status',
      statusCode: 404,
    });
  });

  it('openai: GET /v1/models with a Bearer key; the key never reaches the result', async () => {
    const apiKey = 'sk-test-abcdefghijklmnopqrstuvwxyz012345';
    plain.handler = (req, res) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return void res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}` } }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o', object: 'model' }] }));
    };
    expect(await probe(openaiCheck, { apiKey, endpoint: plain.url('/v1') })).toMatchObject({ success: true, statusCode: 200 });
    expect(plain.requests.at(-1)!.url).toBe('/v1/models');
    const wrong = await probe(openaiCheck, { apiKey: 'sk-wrong-0123456789abcdefghijkl', endpoint: plain.url('/v1') });
    expect(wrong).toMatchObject({ success: false, failureReason: 'http_status', statusCode: 401 });
    expect(JSON.stringify(wrong)).not.toMatch(/sk-wrong/);
  });

  it('anthropic: GET /v1/models with x-api-key and anthropic-version', async () => {
    plain.respond(200, { data: [{ id: 'claude-sonnet-4-5', type: 'model' }], has_more: false });
    expect(await probe(anthropicCheck, { apiKey: 'sk-ant-test-key-000000000000', endpoint: plain.url('') })).toMatchObject({ success: true });
    const req = plain.requests.at(-1)!;
    expect(req.url).toBe('/v1/models');
    expect(req.headers['x-api-key']).toBe('sk-ant-test-key-000000000000');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
  });
});

describe('dns check against a local DNS server', () => {
  let dns: FakeDns;
  beforeAll(async () => {
    dns = await new FakeDns({
      'api.example.test': { A: ['192.0.2.10', '192.0.2.11'] },
      'example.test': {
        MX: [
          [10, 'mx1.example.test'],
          [20, 'mx2.example.test'],
        ],
        TXT: ['v=spf1 -all'],
      },
    }).start();
  });
  afterAll(() => dns.stop());

  it.each([
    ['A present', { query: 'api.example.test', expect: { values: ['192.0.2.10'] } }, { success: true }],
    ['A exactly', { query: 'api.example.test', expect: { exactly: ['192.0.2.11', '192.0.2.10'] } }, { success: true }],
    ['A missing value', { query: 'api.example.test', expect: { values: ['192.0.2.99'] } }, { success: false, failureReason: 'assertion' }],
    ['MX', { query: 'example.test', recordType: 'MX', expect: { values: ['10 mx1.example.test'] } }, { success: true }],
    ['TXT', { query: 'example.test', recordType: 'TXT', expect: { values: ['v=spf1 -all'] } }, { success: true }],
    ['NXDOMAIN', { query: 'nothing.example.test' }, { success: false, failureReason: 'dns' }],
    ['no records of the type', { query: 'api.example.test', recordType: 'MX' }, { success: false, failureReason: 'dns' }],
  ])('%s', async (_name, raw, expected) => {
    const r = await probe(dnsCheck, { servers: [dns.server], timeout: '2s', ...raw });
    expect(r).toMatchObject(expected);
    expect(r.phases.dns).toBeGreaterThan(0);
  });

  it('timeout: a DNS server that never answers', async () => {
    dns.silent = true;
    try {
      expect(await probe(dnsCheck, { query: 'api.example.test', servers: [dns.server], timeout: '500ms', interval: '1s' })).toMatchObject({
        success: false,
        failureReason: 'timeout',
      });
    } finally {
      dns.silent = false;
    }
  });
});

describe('address family preference', () => {
  it('ipv6 preferred: falls back to IPv4 when the name has no IPv6 address, fails (dns) without fallback', async () => {
    plain.respond(200, 'ok');
    expect(await probe(httpCheck, { url: `http://localhost:${plain.port}/`, ipFamily: 'ipv6' })).toMatchObject({ success: true });
    const strict = await probe(httpCheck, { url: `http://localhost:${plain.port}/`, ipFamily: 'ipv6', ipFallback: false });
    expect(strict).toMatchObject({ success: false, failureReason: 'dns', error: 'ENODATA: localhost has no ipv6 address' });
  });

  it('an IPv6 literal URL reaches a server on ::1', async () => {
    const v6 = createServer((_q, s) => s.end('v6'));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    try {
      const port = (v6.address() as AddressInfo).port;
      expect(await probe(httpCheck, { url: `http://[::1]:${port}/`, expect: { bodyRegex: '^v6$' } })).toMatchObject({ success: true });
      expect(await probe(tcpCheck, { target: `[::1]:${port}` })).toMatchObject({ success: true });
    } finally {
      v6.closeAllConnections();
      await new Promise((r) => v6.close(r));
    }
  });
});
