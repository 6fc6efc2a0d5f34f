import { ago, readHash, when, type StatusSection } from './section.js';

/** A result older than this many intervals is stale: the check has stopped running. */
export const STALE_INTERVALS = 2;

/**
 * Checks up/down with the reason and since when, one row per configured check. State is the
 * scheduler's hash `<prefix>:check:<name>` (jobs/check-state.ts): `state` up|down|unknown,
 * `since`, `lastReason`, `lastError`, `lastStatusCode`, `lastResultAt` (epoch ms). A state whose
 * last result is older than two intervals says so: it is what the check last saw, not now.
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
    { key: 'lastRun', label: 'Last result' },
  ],
  empty: 'No checks configured (config: checks).',
  async load({ config, redis, now }) {
    const prefix = config.redis.prefix;
    return Promise.all(
      config.checks.map(async (check) => {
        const s = await readHash(redis, `${prefix}:check:${check.name}`);
        const state = s?.state;
        const lastMs = Number(s?.lastResultAt);
        const stale = Number.isFinite(lastMs) && lastMs > 0 && now - lastMs > STALE_INTERVALS * check.intervalMs;
        // The reason of the last failure explains a DOWN; for an UP check a recent failure is noise.
        const reason = state === 'down' ? [s?.lastReason, s?.lastStatusCode && `HTTP ${s.lastStatusCode}`, s?.lastError].filter(Boolean).join(': ') : undefined;
        return {
          level: stale ? 'warn' : state === 'up' ? 'ok' : state === 'down' ? 'crit' : 'unknown',
          cells: {
            name: check.name,
            type: check.type,
            state: `${state === 'up' || state === 'down' ? state.toUpperCase() : s ? 'pending (not enough results yet)' : 'not run yet'}${stale ? ` — STALE: no result for ${ago(lastMs, now).replace(' ago', '')}` : ''}`,
            reason: reason || undefined,
            since: when(s?.since, now),
            lastRun: when(s?.lastResultAt, now),
          },
        } as const;
      }),
    );
  },
};
