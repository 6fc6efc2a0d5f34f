import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

const DAY_MS = 86_400_000;

/** What is wrong with a certificate chain, most serious first (`details.tlsReason`). */
export const TLS_REASONS = ['expired', 'not_yet_valid', 'self_signed', 'untrusted_chain', 'hostname_mismatch'] as const;
export type TlsReason = (typeof TLS_REASONS)[number];

/** The facts about one certificate that checks, messages, metrics and the status page use. */
export interface CertificateInfo {
  /** Distinguished name, one `KEY=value` per RDN joined by ", ". */
  subject: string;
  /** Subject CN, else the first DNS SAN, else the subject. */
  commonName: string;
  /** DNS names and IP addresses from subjectAltName. */
  sans: string[];
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** notAfter as Unix seconds (metric value). */
  notAfterSeconds: number;
  /** Fractional days until notAfter; negative once expired. */
  daysLeft: number;
  /** SHA-256 of the DER, lower-case hex without colons. */
  fingerprint: string;
  selfSigned: boolean;
  /** Present in the trust store (or caFile): usually not served, never "expiring" for us. */
  trustAnchor: boolean;
}

/** Trust anchors: the Node/Mozilla bundle (as `tls.connect` uses by default) plus an optional CA file. */
export class TrustAnchors {
  private static bundled: X509Certificate[] | undefined;
  private readonly fingerprints: Set<string>;

  private constructor(
    readonly certificates: readonly X509Certificate[],
    readonly extraPem: string | undefined,
  ) {
    this.fingerprints = new Set(certificates.map(fingerprintOf));
  }

  static create(caPem?: string): TrustAnchors {
    TrustAnchors.bundled ??= rootCertificates.flatMap((pem) => parsePemCertificates(pem));
    const extra = caPem ? parsePemCertificates(caPem) : [];
    return new TrustAnchors([...TrustAnchors.bundled, ...extra], caPem);
  }

  contains(cert: X509Certificate): boolean {
    return this.fingerprints.has(fingerprintOf(cert));
  }

  /** The anchor that signed `cert`, if any. */
  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    return this.certificates.find((anchor) => signedBy(cert, anchor));
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block of a PEM text; other blocks (private keys!) are never looked at. */
export function parsePemCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERT) ?? []).map((block) => new X509Certificate(block));
}

function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** Self-signed: issuer = subject and its own key verifies it (a leaf without keyCertSign too). */
function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.issuer === cert.subject && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function parseSans(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/,\s*/)
    .map((entry) => {
      const m = /^(DNS|IP Address):(.+)$/.exec(entry.trim());
      return m ? (m[2] as string) : '';
    })
    .filter(Boolean);
}

function dn(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

export function describeCertificate(cert: X509Certificate, now: number, anchors?: TrustAnchors): CertificateInfo {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const sans = parseSans(cert.subjectAltName);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return {
    subject: dn(cert.subject),
    commonName: cn || sans[0] || dn(cert.subject),
    sans,
    issuer: dn(cert.issuer),
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    notAfterSeconds: Math.floor(notAfter / 1000),
    daysLeft: Math.round(((notAfter - now) / DAY_MS) * 100) / 100,
    fingerprint: fingerprintOf(cert),
    selfSigned: isSelfSigned(cert),
    trustAnchor: anchors?.contains(cert) ?? false,
  };
}

/**
 * Maps an OpenSSL / Node verification code (tls socket `authorizationError`, or ours from
 * verifyChainOffline) to a reason. Unknown codes mean the chain does not lead to a trusted root.
 */
export function reasonFromVerifyCode(code: string): TlsReason {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not_yet_valid';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'self_signed';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'hostname_mismatch';
    default:
      return 'untrusted_chain';
  }
}

/**
 * Verifies a chain read from a file (leaf first) the way a client would, without a
 * connection: each certificate signed by the next, the last one an anchor or signed by one,
 * every certificate inside its validity window. Returns an OpenSSL-style code, or undefined.
 */
export function verifyChainOffline(chain: readonly X509Certificate[], anchors: TrustAnchors, now: number): string | undefined {
  const leaf = chain[0];
  if (!leaf) return 'NO_CERTIFICATE';
  for (const cert of chain) {
    if (Date.parse(cert.validTo) <= now) return 'CERT_HAS_EXPIRED';
    if (Date.parse(cert.validFrom) > now) return 'CERT_NOT_YET_VALID';
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!signedBy(chain[i] as X509Certificate, chain[i + 1] as X509Certificate)) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  }
  const last = chain[chain.length - 1] as X509Certificate;
  if (anchors.contains(last) || anchors.issuerOf(last)) return undefined;
  if (isSelfSigned(last)) return chain.length === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN';
  return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
}

/** Whether `name` (a DNS name or an IP address) is covered by the leaf's SANs (or CN). */
function coversName(cert: X509Certificate, name: string): boolean {
  const bare = name.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(bare) || bare.includes(':')) return cert.checkIP(bare) !== undefined;
  return cert.checkHost(bare) !== undefined;
}

export interface ChainVerdict {
  reason?: TlsReason;
  /** Verification code or message, for humans. */
  error?: string;
}

/**
 * One reason per chain, most serious first: a leaf past or before its validity window, then
 * the verification result, then the hostname. The leaf's own dates are checked here (not
 * only by OpenSSL), so an expired self-signed certificate says "expired".
 */
export function judgeChain(options: { leaf: X509Certificate; verifyCode?: string; hostnames?: readonly string[]; now: number }): ChainVerdict {
  const { leaf, verifyCode, hostnames = [], now } = options;
  if (Date.parse(leaf.validTo) <= now) return { reason: 'expired', error: `certificate expired at ${new Date(Date.parse(leaf.validTo)).toISOString()}` };
  if (Date.parse(leaf.validFrom) > now)
    return { reason: 'not_yet_valid', error: `certificate is not valid before ${new Date(Date.parse(leaf.validFrom)).toISOString()}` };
  if (verifyCode && verifyCode !== 'ERR_TLS_CERT_ALTNAME_INVALID') return { reason: reasonFromVerifyCode(verifyCode), error: verifyCode };
  const uncovered = hostnames.find((name) => !coversName(leaf, name));
  if (uncovered !== undefined) return { reason: 'hostname_mismatch', error: `certificate does not cover ${uncovered}` };
  return {};
}
