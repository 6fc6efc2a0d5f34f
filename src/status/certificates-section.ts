import { readHash, when, type StatusRow, type StatusSection } from './section.js';

const DEFAULT_WARN_DAYS = 14;
const DEFAULT_CRITICAL_DAYS = 7;

/**
 * Certificates with days left, one row per `type: tls` check. State is read from the hash
 * `<prefix>:tls:<check name>` (fields: subject, notAfter: epoch ms or ISO, checkedAt),
 * written by the TLS check; days left are computed at render time so the page never goes stale.
 */
export const certificatesSection: StatusSection = {
  id: 'certificates',
  title: 'Certificates',
  columns: [
    { key: 'name', label: 'Check' },
    { key: 'target', label: 'Target' },
    { key: 'subject', label: 'Subject' },
    { key: 'daysLeft', label: 'Days left' },
    { key: 'notAfter', label: 'Expires' },
    { key: 'checkedAt', label: 'Checked' },
  ],
  empty: 'No TLS checks configured (config: checks with type: tls).',
  async load({ config, redis, now }) {
    const prefix = config.redis.prefix;
    const tlsChecks = config.checks.filter((c) => c.type === 'tls');
    return Promise.all(
      tlsChecks.map(async (check): Promise<StatusRow> => {
        const state = await readHash(redis, `${prefix}:tls:${check.name}`);
        const notAfterMs = state?.notAfter ? (/^\d+$/.test(state.notAfter) ? Number(state.notAfter) : Date.parse(state.notAfter)) : NaN;
        const target = typeof check.target === 'string' ? check.target : undefined;
        if (!Number.isFinite(notAfterMs)) {
          return { level: 'unknown', cells: { name: check.name, target, subject: state?.subject, daysLeft: 'not checked yet' } };
        }
        const daysLeft = Math.floor((notAfterMs - now) / 86_400_000);
        const warnDays = typeof check.warnDays === 'number' ? check.warnDays : DEFAULT_WARN_DAYS;
        const criticalDays = typeof check.criticalDays === 'number' ? check.criticalDays : DEFAULT_CRITICAL_DAYS;
        return {
          level: daysLeft <= criticalDays ? 'crit' : daysLeft <= warnDays ? 'warn' : 'ok',
          cells: {
            name: check.name,
            target,
            subject: state?.subject,
            daysLeft,
            notAfter: new Date(notAfterMs).toISOString().slice(0, 10),
            checkedAt: when(state?.checkedAt, now),
          },
        };
      }),
    );
  },
};
