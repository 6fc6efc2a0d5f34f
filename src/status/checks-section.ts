import { readHash, when, type StatusSection } from './section.js';

/**
 * Checks up/down with the reason and since when. State per check is read from the hash
 * `<prefix>:check:<name>` (fields: status up|down, reason, since, lastRun: epoch ms or ISO),
 * written by the check scheduler; configured checks without state show as "not run yet".
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
    { key: 'lastRun', label: 'Last run' },
  ],
  empty: 'No checks configured (config: checks).',
  async load({ config, redis, now }) {
    const prefix = config.redis.prefix;
    return Promise.all(
      config.checks.map(async (check) => {
        const state = await readHash(redis, `${prefix}:check:${check.name}`);
        const status = state?.status;
        return {
          level: status === 'up' ? 'ok' : status === 'down' ? 'crit' : 'unknown',
          cells: {
            name: check.name,
            type: check.type,
            state: status ? status.toUpperCase() : 'not run yet',
            reason: status === 'down' ? state?.reason : undefined,
            since: when(state?.since, now),
            lastRun: when(state?.lastRun, now),
          },
        } as const;
      }),
    );
  },
};
