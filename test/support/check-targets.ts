import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { certificateSerial, generateKeys } from './certs.js';

/** Local targets for check tests: every failure reason comes from a real socket doing the real thing. */

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => unknown;

/** An HTTP(S) server whose answer the test sets (`target.handler = ...`); records every request. */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  handler: Handler = (_req, res) => res.end('ok');
  port = 0;
  private constructor(
    private readonly server: Server,
    private readonly secure: boolean,
  ) {}

  static async start(tls?: { key: string; cert: string }): Promise<ScriptedServer> {
    let self: ScriptedServer | undefined;
    const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      self!.requests.push(recorded);
      await self!.handler(recorded, res);
    };
    const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, (q, s) => void onRequest(q, s)) : createHttpServer((q, s) => void onRequest(q, s));
    self = new ScriptedServer(server, tls !== undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.port = (server.address() as AddressInfo).port;
    return self;
  }

  url(path = '/'): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}${path}`;
  }

  /** Answers `status` with `body` (JSON when an object). */
  respond(status: number, body: unknown = '', headers: Record<string, string> = {}): void {
    this.handler = (_req, res) => {
      const json = typeof body !== 'string';
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain', ...headers });
      res.end(json ? JSON.stringify(body) : body);
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Accepts connections and never says a word: the client times out. */
export async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A self-signed certificate for `commonName` (also as a SAN, with 127.0.0.1). */
export function selfSignedCert(commonName = 'localhost', days = 30): { key: string; cert: string } {
  const keys = generateKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = certificateSerial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: commonName },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: keys.privateKeyPem, cert: forge.pki.certificateToPem(cert) };
}
