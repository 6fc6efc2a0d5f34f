import { Gauge } from 'prom-client';
import type { RedisClient } from '../../src/redis.js';
import { labelValue, registry } from '../../src/observability/metrics.js';
import type { ExpiryLevel } from './tls-levels.js';
import { shortFingerprint } from './tls-levels.js';
import type { TlsReason } from './tls-chain.js';

const DAY_MS = 86_400_000;

export const certNotAfter = new Gauge({
  name: 'alertworks_tls_cert_not_after_seconds',
  help: 'notAfter (Unix seconds) of each watched leaf certificate.',
  labelNames: ['check', 'cn', 'fingerprint'] as const,
  registers: [registry],
});

export const certDaysLeft = new Gauge({
  name: 'alertworks_tls_cert_days_left',
  help: 'Days until each watched leaf certificate expires (negative once expired), as of the last check.',
  labelNames: ['check', 'cn', 'fingerprint'] as const,
  registers: [registry],
});

/** One watched certificate as the status page shows it. */
export interface TrackedCertificate {
  check: string;
  name: string;
  kind: 'live' | 'file' | 'acme';
  commonName: string;
  sans: string[];
  issuer: string;
  notAfter: string;
  fingerprint: string;
  level: ExpiryLevel;
  reason?: TlsReason;
  /** When the check last read it (ISO). */
  checkedAt: string;
}

export interface TrackedCertificateView extends TrackedCertificate {
  /** As of the moment of listing, not of the check. */
  daysLeft: number;
}

/** probe_ssl_* are the tls check's declared probe metrics (tls.ts); these are the per-leaf ones. */
export interface ChainFigures {
  check: string;
  leaves: readonly Pick<TrackedCertificate, 'commonName' | 'fingerprint' | 'notAfter'>[];
  now: number;
}

/** Per check, the label sets set last time, so a renewed certificate's old series disappears. */
const seriesByCheck = new Map<string, Array<{ cn: string; fingerprint: string }>>();

export function recordTlsMetrics(figures: ChainFigures): void {
  const { check, now } = figures;

  for (const old of seriesByCheck.get(check) ?? []) {
    certNotAfter.remove({ check, ...old });
    certDaysLeft.remove({ check, ...old });
  }
  const series = figures.leaves.map((leaf) => ({ cn: labelValue(leaf.commonName, 128), fingerprint: shortFingerprint(leaf.fingerprint) }));
  figures.leaves.forEach((leaf, i) => {
    const labels = { check, ...(series[i] as { cn: string; fingerprint: string }) };
    const notAfterMs = Date.parse(leaf.notAfter);
    certNotAfter.set(labels, Math.floor(notAfterMs / 1000));
    certDaysLeft.set(labels, Math.round(((notAfterMs - now) / DAY_MS) * 100) / 100);
  });
  seriesByCheck.set(check, series);
}

export function inventoryKey(prefix: string): string {
  return `${prefix}:tls:tracked`;
}

/** Replaces what one check tracks (a file that is gone, or a name no longer served, drops out). */
export async function saveTracked(redis: RedisClient, prefix: string, check: string, certificates: readonly TrackedCertificate[]): Promise<void> {
  const key = inventoryKey(prefix);
  const fields = await redis.hkeys(key);
  const stale = fields.filter((f) => f.startsWith(`${check}\n`) && !certificates.some((c) => `${check}\n${c.name}` === f));
  const tx = redis.multi();
  if (stale.length > 0) tx.hdel(key, ...stale);
  for (const cert of certificates) tx.hset(key, `${check}\n${cert.name}`, JSON.stringify(cert));
  await tx.exec();
}

/**
 * Every certificate the tls checks watch, soonest expiry first, with days left as of now
 * (for the status page and `check run`). Checks removed from the config are dropped when
 * `knownChecks` is given.
 */
export async function listTrackedCertificates(
  redis: RedisClient,
  prefix: string,
  options: { now?: number; knownChecks?: readonly string[] } = {},
): Promise<TrackedCertificateView[]> {
  const now = options.now ?? Date.now();
  const raw = await redis.hvals(inventoryKey(prefix));
  return raw
    .map((json) => JSON.parse(json) as TrackedCertificate)
    .filter((c) => !options.knownChecks || options.knownChecks.includes(c.check))
    .map((c) => ({ ...c, daysLeft: Math.round(((Date.parse(c.notAfter) - now) / DAY_MS) * 100) / 100 }))
    .sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter) || a.check.localeCompare(b.check));
}
