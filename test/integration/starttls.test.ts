import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsCheck, type TlsDetails } from '../../checks/types/tls.js';
import { logger } from '../../src/observability/logger.js';
import { TestPki, type GeneratedCert } from '../support/certs.js';
import { StartTlsServer, type StartTlsProtocol } from '../support/starttls-servers.js';

/** The tls check's STARTTLS against local SMTP/IMAP/POP3/PostgreSQL stand-ins with chosen expiry. */
describe('tls check with STARTTLS', () => {
  const pki = TestPki.create('starttls test');
  let caFile: string;
  const servers: StartTlsServer[] = [];
  const leaves = new Map<StartTlsProtocol, GeneratedCert & { chainPem: string }>();

  const start = async (protocol: StartTlsProtocol, refuse = false) => {
    const leaf = leaves.get(protocol)!;
    const server = await StartTlsServer.start(protocol, { chainPem: leaf.chainPem, keyPem: leaf.keyPem, refuse });
    servers.push(server);
    return server;
  };
  const probe = (raw: Record<string, unknown>) => {
    const check = tlsCheck.schema.parse({ name: 'mail-cert', type: 'tls', caFile, ...raw });
    return tlsCheck.probe(check, { signal: AbortSignal.timeout(10_000), logger });
  };

  beforeAll(() => {
    caFile = join(mkdtempSync(join(tmpdir(), 'aw-starttls-')), 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    for (const [protocol, days] of [
      ['smtp', 5],
      ['imap', 30],
      ['pop3', 10],
      ['postgres', 3],
    ] as const) {
      leaves.set(protocol, pki.leaf({ commonName: `${protocol}.test`, sans: [`${protocol}.test`], notBeforeDays: -1, notAfterDays: days }));
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it.each([
    ['smtp', 'critical', ['EHLO alertworks', 'STARTTLS']],
    ['imap', 'ok', ['a1 STARTTLS']],
    ['pop3', 'warning', ['STLS']],
    ['postgres', 'critical', ['SSLRequest']],
  ] as const)('%s: reads the certificate after the upgrade (level %s)', async (protocol, level, commands) => {
    const server = await start(protocol);
    const result = await probe({ target: server.target, starttls: protocol, serverName: `${protocol}.test` });
    const details = result.details as unknown as TlsDetails;
    expect(result).toMatchObject({ success: true });
    expect(server.received).toEqual(commands);
    expect(details.level).toBe(level);
    expect(details.chainVerified).toBe(true);
    expect(details.leafExpirySeconds).toBe(Math.floor(leaves.get(protocol)!.cert.validity.notAfter.getTime() / 1000));
    expect(result.phases.tls).toBeGreaterThan(0);
  });

  it.each([
    ['smtp', 'smtp: server does not offer STARTTLS'],
    ['imap', 'imap: STARTTLS refused: "a1 NO STARTTLS is not available"'],
    ['pop3', 'pop3: STLS refused: "-ERR STLS not supported"'],
    ['postgres', 'postgres: server does not accept SSL (answered N to SSLRequest)'],
  ] as const)('%s: a server that refuses STARTTLS fails with reason starttls', async (protocol, error) => {
    const server = await start(protocol, true);
    const result = await probe({ target: server.target, starttls: protocol, serverName: `${protocol}.test` });
    expect(result).toMatchObject({ success: false, failureReason: 'starttls', error });
  });

  it('without starttls, a STARTTLS port is not a TLS server: the handshake fails', async () => {
    const server = await start('smtp');
    expect(await probe({ target: server.target, serverName: 'smtp.test' })).toMatchObject({ success: false, failureReason: 'tls' });
  });
});
