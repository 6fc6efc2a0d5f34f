import { readConfiguredCheckStates } from '../../checks/check-state.js';
import type { UptimeFigure } from '../history/check-history.js';
import { checkHistories } from './check-histories.js';
import { ago, escapeHtml, when, type StatusSection } from './section.js';
import { sparkline } from './sparkline.js';

/** A result older than this many intervals is stale: the check has stopped running. */
const STALE_INTERVALS = 2;

/** "99.95%" (two decimals, never rounded up to 100 while there was downtime), or "—". */
function percent(u: UptimeFigure): string | undefined {
  if (u.ratio === undefined) return undefined;
  const text = u.downSeconds > 0 ? (Math.floor(u.ratio * 10_000) / 100).toFixed(2) : '100';
  return `${text}%${u.complete ? '' : ' (partial)'}`;
}

/**
 * Checks: state with the reason and since when, uptime over 24 h / 7 d / 30 d (time spent UP
 * out of the time the state was known, from the transition history), a 24 h response-time
 * sparkline, and the last result marked stale when the scheduler has not run the check for
 * several intervals. State: checks/check-state.ts; history: src/history (one pipelined read each).
 */
export const checksSection: StatusSection = {
  id: 'checks',
  title: 'Checks',
  columns: [
    { key: 'name', label: 'Check' },
    { key: 'type', label: 'Type' },
    { key: 'state', label: 'State' },
    { key: 'reason', label: 'Reason' },
    { key: 'since', label: 'Since' },
    { key: 'uptime24h', label: 'Uptime 24 h' },
    { key: 'uptime7d', label: '7 d' },
    { key: 'uptime30d', label: '30 d' },
    { key: 'responseTime', label: 'Response time (24 h)' },
    { key: 'lastRun', label: 'Last result' },
  ],
  empty: 'No checks configured (config: checks).',
  async load(ctx) {
    const { config, redis, now } = ctx;
    const [states, histories] = await Promise.all([readConfiguredCheckStates(redis, config), checkHistories(ctx)]);
    return config.checks.map((check, i) => {
      const s = states[i]!;
      const h = histories[i]!;
      const timeoutMs = typeof check.timeoutMs === 'number' ? check.timeoutMs : 0;
      const stale = s.lastResultAt !== undefined && s.lastResultAt > 0 && now - s.lastResultAt > STALE_INTERVALS * check.intervalMs + timeoutMs;
      // The reason of the last failure explains a DOWN; for an UP check a recent failure is noise.
      const reason = s.state === 'down' ? [s.lastReason, s.lastStatusCode && `HTTP ${s.lastStatusCode}`, s.lastError].filter(Boolean).join(': ') : undefined;
      const lastRun = when(s.lastResultAt === undefined ? undefined : String(s.lastResultAt), now);
      return {
        level: stale ? 'warn' : s.state === 'up' ? 'ok' : s.state === 'down' ? 'crit' : 'unknown',
        cells: {
          name: check.name,
          type: check.type,
          state: `${s.state !== 'unknown' ? s.state.toUpperCase() : s.lastResultAt !== undefined ? 'pending (not enough results yet)' : 'not run yet'}${stale ? ` — STALE: no result for ${ago(s.lastResultAt!, now).replace(' ago', '')}` : ''}`,
          // Named, not hidden: the next run rewrites what the state machine keeps.
          reason: [reason, s.unreadable && `stored state partly unreadable (${s.unreadable})`].filter(Boolean).join('; ') || undefined,
          since: when(s.since === undefined ? undefined : String(s.since), now),
          uptime24h: percent(h.uptime['24h']),
          uptime7d: percent(h.uptime['7d']),
          uptime30d: percent(h.uptime['30d']),
          responseTime: { html: sparkline(h.responseTimes) },
          lastRun: stale && lastRun ? { html: `<span class="stale">stale</span> ${escapeHtml(lastRun)}` } : lastRun,
        },
      } as const;
    });
  },
};
