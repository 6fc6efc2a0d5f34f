import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { rootCertificates, type PeerCertificate, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { expandGlob } from './file-glob.js';
import { TrustAnchors, parsePemCertificates, verifyChainOffline } from './chain.js';
import { upgradeToTls } from './upgrade.js';

/** One watched certificate: where it comes from, the chain (leaf first) and how it verified. */
export interface CertificateSource {
  /** Identity within its check: the server name, the file path, the acme.json domain. */
  name: string;
  kind: 'live' | 'file' | 'acme';
  chain: X509Certificate[];
  /** OpenSSL-style verification code; undefined = verified. */
  verifyCode?: string;
  /** The name the leaf must cover (SNI name, acme.json domains). */
  hostnames: string[];
}

/** Why a live connection failed before a chain could be read. */
export class TlsConnectError extends Error {
  override name = 'TlsConnectError';
  constructor(
    message: string,
    readonly reason: 'dns' | 'connect' | 'timeout' | 'tls' | 'starttls',
  ) {
    super(message);
  }
}

/**
 * A protocol spoken in plain text before the TLS handshake (STARTTLS and the like). The tls
 * check's `starttls` field names one; a target on one of its `ports` gets it by default.
 */
export interface TlsDialect {
  readonly name: string;
  /** Ports where this protocol upgrades to TLS in-band (not implicit-TLS ports). */
  readonly ports: readonly number[];
  /**
   * Runs the exchange on a connected plain socket until the server is ready for the TLS
   * handshake. Throws TlsUpgradeRefused when the server will not upgrade.
   */
  negotiate(socket: Socket, signal: AbortSignal): Promise<void>;
}

/** The server answered, but will not upgrade the connection (reason `starttls`). */
export class TlsUpgradeRefused extends Error {
  override name = 'TlsUpgradeRefused';
}

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port", "[v6]:port" or "host" (port 443). */
export function parseTarget(target: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s/[\]]+))(?::(\d{1,5}))?$/.exec(target.trim());
  if (!m) return undefined;
  const port = m[3] ? Number(m[3]) : 443;
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

export interface LiveProbeOptions extends HostPort {
  /** SNI and the name the certificate must cover. @defaultValue host */
  serverName?: string;
  caPem?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A protocol spoken before the handshake (STARTTLS); none = TLS from the first byte. */
  dialect?: TlsDialect;
}

export interface LiveChain {
  source: CertificateSource;
  phases: { connect?: number; tls?: number };
  protocol?: string;
}

/**
 * Connects with SNI, reads the chain the server presents (plus the issuers OpenSSL completed
 * it with) and OpenSSL's verdict on it, then closes. Never rejects on a bad certificate:
 * judging it is the caller's job.
 */
export function readLiveChain(options: LiveProbeOptions): Promise<LiveChain> {
  const serverName = options.serverName ?? options.host;
  const started = performance.now();
  let connectedAt: number | undefined;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new TlsConnectError('aborted', 'timeout'));
    // Plain TCP first: a dialect (STARTTLS) talks on it before the TLS socket takes it over.
    const raw = connectTcp({ host: options.host, port: options.port });
    let socket: Socket | TLSSocket = raw;
    const upgrade = new AbortController();
    let settled = false;
    const finish = (err: Error | undefined, value?: LiveChain) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      upgrade.abort();
      // Destroy only the outermost socket: a TLSSocket owns its raw socket.
      socket.destroy();
      if (err) reject(err);
      else resolve(value as LiveChain);
    };
    const onAbort = () => finish(new TlsConnectError(`aborted after ${Math.round(performance.now() - started)}ms`, 'timeout'));
    const timer = setTimeout(() => finish(new TlsConnectError(`no TLS handshake within ${options.timeoutMs}ms`, 'timeout')), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onError = (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      const reason = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'dns' : connectedAt === undefined ? 'connect' : 'tls';
      finish(new TlsConnectError(`${code || err.name}: ${err.message}`, reason));
    };
    raw.on('error', () => undefined); // once wrapped, the TLS socket reports its errors
    raw.once('error', onError);

    raw.once('connect', () => {
      connectedAt = performance.now();
      void (options.dialect ? options.dialect.negotiate(raw, upgrade.signal) : Promise.resolve()).then(
        () => handshake(),
        (err: Error) => {
          const refused = err instanceof TlsUpgradeRefused;
          finish(new TlsConnectError(`${options.dialect?.name ?? 'starttls'}: ${err.message}`, refused ? 'starttls' : 'connect'));
        },
      );
    });

    const handshake = () => {
      if (settled) return;
      raw.removeListener('error', onError);
      const handshakeAt = performance.now();
      const tls = upgradeToTls(raw, {
        host: serverName,
        rejectUnauthorized: false,
        // Setting `ca` replaces the bundled roots, so they are passed along with the extra CA.
        ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}),
      });
      const secure = tls.socket;
      socket = secure;
      tls.ready.then(() => {
        const done = performance.now();
        const chain = peerChain(secure.getPeerCertificate(true));
        if (chain.length === 0) return finish(new TlsConnectError('server presented no certificate', 'tls'));
        const code = secure.authorized ? undefined : String(secure.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        finish(undefined, {
          source: { name: serverName, kind: 'live', chain, ...(code ? { verifyCode: code } : {}), hostnames: [serverName] },
          phases: { connect: ((connectedAt as number) - started) / 1000, tls: (done - handshakeAt) / 1000 },
          protocol: secure.getProtocol() ?? undefined,
        });
      }, onError);
    };
  });
}

/** Walks getPeerCertificate(true)'s issuer links (the root links to itself). */
function peerChain(peer: PeerCertificate | DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let node: DetailedPeerCertificate | undefined = peer as DetailedPeerCertificate;
  while (node && node.raw && !seen.has(node.fingerprint256)) {
    seen.add(node.fingerprint256);
    chain.push(new X509Certificate(node.raw));
    node = node.issuerCertificate;
  }
  return chain;
}

/** PEM files named by paths or globs; each file is one certificate (leaf first, then its chain). */
export async function readCertificateFiles(patterns: readonly string[], anchors: TrustAnchors, now: number, hostname?: string): Promise<CertificateSource[]> {
  const sources: CertificateSource[] = [];
  for (const pattern of patterns) {
    for (const path of await expandGlob(pattern)) {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${path}: ${err.code ?? err.message}`);
      });
      const chain = parsePemCertificates(text);
      if (chain.length === 0) continue; // e.g. a key file matched by a broad glob: never parsed, never logged
      const code = verifyChainOffline(chain, anchors, now);
      sources.push({ name: path, kind: 'file', chain, ...(code ? { verifyCode: code } : {}), hostnames: hostname ? [hostname] : [] });
    }
  }
  return sources;
}

/** One certificate entry of a Traefik acme.json, without its key. */
export interface AcmeCertificate {
  resolver: string;
  main: string;
  sans: string[];
  /** The chain as PEM (decoded from base64). */
  chainPem: string;
}

const SECRET_FIELDS = new Set(['key', 'Key', 'PrivateKey', 'privateKey']);

/**
 * Parses Traefik v2/v3 `acme.json`: `{ <resolver>: { Account, Certificates: [{ domain: {main,
 * sans}, certificate: base64 PEM, key, Store }] } }`. Private keys (certificate `key`, account
 * `PrivateKey`) are dropped while parsing, so they never live beyond JSON.parse.
 */
export function parseAcmeJson(text: string): AcmeCertificate[] {
  const doc = JSON.parse(text, (k, v: unknown) => (SECRET_FIELDS.has(k) ? undefined : v)) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('acme.json: expected an object of resolvers');
  const out: AcmeCertificate[] = [];
  for (const [resolver, value] of Object.entries(doc as Record<string, unknown>)) {
    const certificates = (value as { Certificates?: unknown } | null)?.Certificates;
    if (!Array.isArray(certificates)) continue;
    for (const entry of certificates as Array<{ domain?: { main?: unknown; sans?: unknown }; certificate?: unknown }>) {
      const main = entry.domain?.main;
      if (typeof main !== 'string' || typeof entry.certificate !== 'string') continue;
      const sans = Array.isArray(entry.domain?.sans) ? (entry.domain.sans as unknown[]).filter((s): s is string => typeof s === 'string') : [];
      out.push({ resolver, main, sans, chainPem: Buffer.from(entry.certificate, 'base64').toString('utf8') });
    }
  }
  return out;
}

export async function readAcmeJson(path: string, anchors: TrustAnchors, now: number): Promise<CertificateSource[]> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${err.code ?? err.message}`);
  });
  let entries: AcmeCertificate[];
  try {
    entries = parseAcmeJson(text);
  } catch (err) {
    // The message of a JSON error may quote the file: keep only its kind.
    throw new Error(`${path}: not a valid acme.json (${err instanceof SyntaxError ? 'invalid JSON' : (err as Error).message})`);
  }
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.main, (counts.get(e.main) ?? 0) + 1);
  return entries.flatMap((entry) => {
    const chain = parsePemCertificates(entry.chainPem);
    if (chain.length === 0) return [];
    const code = verifyChainOffline(chain, anchors, now);
    return [
      {
        name: (counts.get(entry.main) ?? 0) > 1 ? `${entry.main} (${entry.resolver})` : entry.main,
        kind: 'acme' as const,
        chain,
        ...(code ? { verifyCode: code } : {}),
        hostnames: [entry.main, ...entry.sans],
      },
    ];
  });
}
