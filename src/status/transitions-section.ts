import { checkHistories } from './check-histories.js';
import { when, type StatusRow, type StatusSection } from './section.js';

/** Rows shown: the newest transitions over all checks. */
const SHOWN = 50;

/** "1h 2m 3s", exact to the second. */
function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const parts: string[] = [];
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

/**
 * When each check went DOWN (and why) and came back UP (after how long), newest first, from the
 * check history (src/history). A first UP after the check started is not listed: it is no change.
 */
export const transitionsSection: StatusSection = {
  id: 'transitions',
  title: 'Transition history',
  columns: [
    { key: 'at', label: 'When' },
    { key: 'check', label: 'Check' },
    { key: 'change', label: 'Change' },
    { key: 'duration', label: 'Previous state lasted' },
    { key: 'reason', label: 'Reason' },
  ],
  empty: 'No check has changed state yet.',
  async load(ctx) {
    const { now } = ctx;
    const histories = await checkHistories(ctx);
    // Each list is newest first: only the first SHOWN of each can make the page.
    const all = histories.flatMap((h) =>
      h.transitions
        .slice(0, SHOWN + 1)
        .filter((t) => t.from !== 'unknown')
        .map((t) => ({ check: h.name, t })),
    );
    all.sort((a, b) => b.t.at - a.t.at);
    return all.slice(0, SHOWN).map(({ check, t }): StatusRow => ({
      level: t.to === 'up' ? 'ok' : 'crit',
      cells: {
        at: when(String(t.at), now),
        check,
        change: `${t.from.toUpperCase()} → ${t.to.toUpperCase()}`,
        duration: `${t.from.toUpperCase()} for ${duration(t.previousStateMs)}`,
        reason: t.reason,
      },
    }));
  },
};
