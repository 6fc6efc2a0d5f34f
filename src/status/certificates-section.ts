import type { StatusRow, StatusSection } from './section.js';
import { when } from './section.js';

const DAY_MS = 86_400_000;

/** One watched certificate as the TLS check stores it (jobs/checks/tls-inventory.ts). */
interface TrackedCertificate {
  check: string;
  name: string;
  kind?: string;
  commonName?: string;
  notAfter: string;
  level?: string;
  reason?: string;
  checkedAt?: string;
}

/**
 * Certificates with days left: every certificate the `type: tls` checks watch, soonest expiry
 * first. They are the hash `<prefix>:tls:tracked` (field `<check>\n<name>`, JSON value)
 * written by the TLS check; days left are computed at render time, so the page never shows a
 * stale count. A configured TLS check that has tracked nothing yet shows as "not checked yet".
 */
export const certificatesSection: StatusSection = {
  id: 'certificates',
  title: 'Certificates',
  columns: [
    { key: 'name', label: 'Certificate' },
    { key: 'check', label: 'Check' },
    { key: 'subject', label: 'Subject' },
    { key: 'daysLeft', label: 'Days left' },
    { key: 'notAfter', label: 'Expires' },
    { key: 'checkedAt', label: 'Checked' },
  ],
  empty: 'No TLS checks configured (config: checks with type: tls).',
  async load({ config, redis, now }) {
    const tlsChecks = config.checks.filter((c) => c.type === 'tls');
    const known = new Set(tlsChecks.map((c) => c.name));
    const tracked = (await redis.hvals(`${config.redis.prefix}:tls:tracked`))
      .map((json) => JSON.parse(json) as TrackedCertificate)
      .filter((c) => known.has(c.check) && Number.isFinite(Date.parse(c.notAfter)))
      .sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
    const rows: StatusRow[] = tracked.map((cert) => {
      const check = tlsChecks.find((c) => c.name === cert.check);
      const daysLeft = Math.floor((Date.parse(cert.notAfter) - now) / DAY_MS);
      const warnDays = typeof check?.warnDays === 'number' ? check.warnDays : 14;
      const criticalDays = typeof check?.criticalDays === 'number' ? check.criticalDays : 7;
      return {
        level: daysLeft <= criticalDays || cert.reason ? 'crit' : daysLeft <= warnDays ? 'warn' : 'ok',
        cells: {
          name: cert.name,
          check: cert.check,
          subject: [cert.commonName, cert.reason && `(${cert.reason})`].filter(Boolean).join(' '),
          daysLeft,
          notAfter: new Date(Date.parse(cert.notAfter)).toISOString().slice(0, 10),
          checkedAt: when(cert.checkedAt, now),
        },
      };
    });
    for (const check of tlsChecks) {
      if (!tracked.some((c) => c.check === check.name)) rows.push({ level: 'unknown', cells: { name: '—', check: check.name, daysLeft: 'not checked yet' } });
    }
    return rows;
  },
};
