import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

/** A self-signed certificate for `commonName` that expires `daysLeft` days from now. */
export function expiringCertificate(commonName: string, daysLeft: number): { key: string; cert: string; notAfter: Date } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = Date.now().toString(16);
  // An hour over, so "days left" reads as the whole number asked for while the demo runs.
  const notAfter = new Date(Date.now() + daysLeft * 86_400_000 + 3_600_000);
  cert.validity.notBefore = new Date(Date.now() - 80 * 86_400_000);
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: commonName },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert), notAfter };
}

export interface DemoTargets {
  /** An HTTP health endpoint that answers 503: the failing check. */
  healthUrl: string;
  /** host:port of a TLS server whose certificate expires in a few days. */
  tlsTarget: string;
  /** Its (self-signed) certificate, to trust it as a CA: the demo is about the expiry only. */
  certPem: string;
  /** The name the certificate is for (SNI). */
  serverName: string;
  certNotAfter: Date;
  close(): Promise<void>;
}

/** Local stand-ins for a broken service and a site with an expiring certificate. */
export async function startTargets(certDaysLeft: number): Promise<DemoTargets> {
  const http: Server = createHttpServer((req, res) => {
    res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'down', reason: 'database unreachable (stand-in)' }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { key, cert, notAfter } = expiringCertificate('shop.demo.internal', certDaysLeft);
  const tls: TlsServer = createTlsServer({ key, cert }, (socket) => socket.end());
  tls.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  return {
    healthUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/health`,
    tlsTarget: `127.0.0.1:${(tls.address() as AddressInfo).port}`,
    certPem: cert,
    serverName: 'shop.demo.internal',
    certNotAfter: notAfter,
    close: async () => {
      http.closeAllConnections();
      await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => tls.close(r))]);
    },
  };
}
