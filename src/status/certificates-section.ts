import { TlsInventory } from '../tls/inventory.js';
import { expiryLevel } from '../tls/levels.js';
import type { StatusRow, StatusSection } from './section.js';
import { when } from './section.js';

/**
 * Certificates with days left: every certificate the `type: tls` checks watch (live chains,
 * PEM files, acme.json), soonest expiry first, from the TLS inventory (src/tls/inventory.ts). Days left and
 * the level are computed at render time against the check's thresholds, so the page never
 * shows a stale count. A configured TLS check that has tracked nothing yet shows as
 * "not checked yet".
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
    const { certificates: tracked, unreadable } = await new TlsInventory(redis, config.redis.prefix).list({ now, knownChecks: tlsChecks.map((c) => c.name) });
    const rows: StatusRow[] = tracked.map((cert) => {
      const check = tlsChecks.find((c) => c.name === cert.check);
      const thresholds = {
        warnDays: typeof check?.warnDays === 'number' ? check.warnDays : 14,
        criticalDays: typeof check?.criticalDays === 'number' ? check.criticalDays : 7,
      };
      const level = expiryLevel(cert.daysLeft, thresholds);
      return {
        // A broken chain or name mismatch is as urgent as an expiring certificate.
        level: level === 'ok' && !cert.reason ? 'ok' : level === 'warning' && !cert.reason ? 'warn' : 'crit',
        cells: {
          name: cert.name,
          check: cert.check,
          subject: [cert.commonName, cert.reason && `(${cert.reason})`].filter(Boolean).join(' '),
          daysLeft: Math.floor(cert.daysLeft),
          notAfter: cert.notAfter.slice(0, 10),
          checkedAt: when(cert.checkedAt, now),
        },
      };
    });
    // A record the inventory cannot read is named, not hidden: the check rewrites it on its next run.
    for (const bad of unreadable)
      rows.push({ level: 'unknown', cells: { name: bad.what, subject: `unreadable: ${bad.problem}`, daysLeft: 'unknown until the next check run' } });
    for (const check of tlsChecks) {
      if (!tracked.some((c) => c.check === check.name)) rows.push({ level: 'unknown', cells: { name: '—', check: check.name, daysLeft: 'not checked yet' } });
    }
    return rows;
  },
};
