import { Gauge } from 'prom-client';
import { labelValue, registry } from '../observability/metrics.js';
import { shortFingerprint } from './levels.js';
import type { TrackedCertificate } from './inventory.js';

const DAY_MS = 86_400_000;

const certNotAfter = new Gauge({
  name: 'alertworks_tls_cert_not_after_seconds',
  help: 'notAfter (Unix seconds) of each watched leaf certificate.',
  labelNames: ['check', 'cn', 'fingerprint'] as const,
  registers: [registry],
});

const certDaysLeft = new Gauge({
  name: 'alertworks_tls_cert_days_left',
  help: 'Days until each watched leaf certificate expires (negative once expired), as of the last check.',
  labelNames: ['check', 'cn', 'fingerprint'] as const,
  registers: [registry],
});

/** probe_ssl_* are the tls check's declared probe metrics (checks/types/tls.ts); these are the per-leaf ones. */
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
