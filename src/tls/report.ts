import { describeCertificate, judgeChain, type CertificateInfo, type TlsReason, type TrustAnchors } from './chain.js';
import { expiryLevel, type ExpiryLevel, type ExpiryThresholds } from './levels.js';
import type { CertificateSource } from './sources.js';

/** One watched certificate judged: its expiry level, what is wrong with its chain, the facts. */
export interface CertificateReport {
  name: string;
  kind: CertificateSource['kind'];
  level: ExpiryLevel;
  reason?: TlsReason;
  error?: string;
  leaf: CertificateInfo;
  /** Leaf first, as served or stored (plus issuers OpenSSL completed a live chain with). */
  chain: CertificateInfo[];
}

/** Judges one certificate source (the tls check's runs and tls-verify's one-off reads alike). */
export function reportCertificate(
  source: CertificateSource,
  anchors: TrustAnchors,
  now: number,
  options: { verify: boolean } & ExpiryThresholds,
): CertificateReport {
  const chain = source.chain.map((c) => describeCertificate(c, now, anchors));
  const leaf = chain[0] as CertificateInfo;
  const verdict = judgeChain({
    leaf: source.chain[0]!,
    ...(options.verify && source.verifyCode ? { verifyCode: source.verifyCode } : {}),
    hostnames: source.hostnames,
    now,
  });
  return {
    name: source.name,
    kind: source.kind,
    level: expiryLevel(leaf.daysLeft, options),
    ...(verdict.reason ? { reason: verdict.reason, error: verdict.error } : {}),
    leaf,
    chain,
  };
}
