import { createServer, createSecureContext, type Server, type TLSSocket } from 'node:tls';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const DAY_MS = 86_400_000;

/** A generated certificate with its key, as PEM. */
export interface GeneratedCert {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

export interface CertOptions {
  commonName: string;
  /** DNS names (and IPs) for subjectAltName. @defaultValue [commonName] for leaves, none for CAs */
  sans?: string[];
  /** Validity window, relative to now in days (negative = in the past). */
  notBeforeDays?: number;
  notAfterDays?: number;
  /** Signer; absent = self-signed. */
  issuer?: GeneratedCert;
  isCa?: boolean;
  /** Reuse a key pair (RSA generation is the slow part; a fingerprint still differs by serial and dates). */
  keys?: TestKeyPair;
  organization?: string;
}

/** A forge key pair plus its private key as PEM, written by OpenSSL. */
export interface TestKeyPair extends forge.pki.rsa.KeyPair {
  privateKeyPem: string;
}

/** RSA keys come from Node's crypto (fast, OpenSSL-made); forge signs with the parsed key. */
export function generateKeys(): TestKeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), privateKeyPem: privateKey };
}

/**
 * A certificate serial as forge wants it: hex of a positive DER INTEGER in its minimal form.
 * Forge writes the hex's bytes as they are, and OpenSSL 3 refuses an INTEGER whose first byte is
 * a redundant 0x00 ("asn1 illegal padding"). The first byte is therefore 0x01..0x7f: never zero,
 * never the sign bit. 128 random bits, as RFC 5280 recommends, keep serials unique.
 */
export function certificateSerial(bytes: Buffer = randomBytes(16)): string {
  const serial = Buffer.from(bytes);
  serial[0] = (serial[0] as number) & 0x7f || 0x01;
  return serial.toString('hex');
}

/** One X.509 certificate (node-forge), signed by `issuer` or self-signed. */
export function generateCert(options: CertOptions): GeneratedCert {
  const keys = options.keys ?? generateKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = certificateSerial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now + (options.notBeforeDays ?? -1) * DAY_MS);
  cert.validity.notAfter = new Date(now + (options.notAfterDays ?? 90) * DAY_MS);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: options.commonName }];
  if (options.organization) subject.push({ name: 'organizationName', value: options.organization });
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);

  const extensions: Record<string, unknown>[] = [
    { name: 'basicConstraints', cA: options.isCa === true, critical: options.isCa === true },
    options.isCa
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  const signerPublic = options.issuer ? options.issuer.publicKey : keys.publicKey;
  extensions.push({
    name: 'authorityKeyIdentifier',
    keyIdentifier: forge.pki.getPublicKeyFingerprint(signerPublic, { type: 'RSAPublicKey' }).getBytes(),
  });
  if (!options.isCa) {
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    const sans = options.sans ?? [options.commonName];
    extensions.push({
      name: 'subjectAltName',
      altNames: sans.map((name) => (/^[\d.]+$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(options.issuer ? options.issuer.key : keys.privateKey, forge.md.sha256.create());
  return {
    cert,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.privateKeyPem,
    key: keys.privateKey,
    publicKey: keys.publicKey,
  };
}

/** A test PKI: a root CA and an intermediate, with one shared leaf key pair for speed. */
export class TestPki {
  readonly leafKeys = generateKeys();

  private constructor(
    readonly ca: GeneratedCert,
    readonly intermediate: GeneratedCert,
  ) {}

  static create(name = 'alertworks test'): TestPki {
    const ca = generateCert({ commonName: `${name} root CA`, isCa: true, notBeforeDays: -30, notAfterDays: 3650 });
    const intermediate = generateCert({ commonName: `${name} intermediate`, isCa: true, issuer: ca, notBeforeDays: -30, notAfterDays: 1825 });
    return new TestPki(ca, intermediate);
  }

  /** A leaf signed by the intermediate; `chainPem` is leaf + intermediate, as servers present it. */
  leaf(options: Omit<CertOptions, 'issuer' | 'isCa' | 'keys'>): GeneratedCert & { chainPem: string } {
    const leaf = generateCert({ ...options, issuer: this.intermediate, keys: this.leafKeys });
    return { ...leaf, chainPem: leaf.certPem + this.intermediate.certPem };
  }

  /** A self-signed leaf (no CA). */
  selfSigned(options: Omit<CertOptions, 'issuer' | 'isCa' | 'keys'>): GeneratedCert & { chainPem: string } {
    const leaf = generateCert({ ...options, keys: this.leafKeys });
    return { ...leaf, chainPem: leaf.certPem };
  }
}

/** What a TLS server presents: the chain PEM (leaf first) and the leaf's key. */
export interface ServedChain {
  chainPem: string;
  keyPem: string;
}

/**
 * A local TLS server on a free loopback port presenting a chosen chain. `serve()` swaps the
 * certificate for new connections (setSecureContext), as a renewal does on a live proxy.
 */
export class TlsTestServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(chain: ServedChain): Promise<TlsTestServer> {
    const server = createServer({ cert: chain.chainPem, key: chain.keyPem }, (socket: TLSSocket) => {
      socket.end();
    });
    server.on('tlsClientError', () => undefined);
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
    return new TlsTestServer(server, port);
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  serve(chain: ServedChain): void {
    this.server.setSecureContext({ cert: chain.chainPem, key: chain.keyPem });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** For callers that need a context without a server (e.g. SNI callbacks). */
export { createSecureContext };
