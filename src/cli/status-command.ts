import { loadConfig } from '../config/load.js';
import { createRedis, describeRedis, redisUnavailable, waitForRedis } from '../redis.js';
import { loadSections, type LoadedSection } from '../status/status-page.js';
import type { StatusCell } from '../status/section.js';
import type { CliCommand } from './commands.js';
import { REDIS_WAIT_MS } from './queues-command.js';
import { redisLine } from './redis-source.js';

/** A cell as text: markup a section built (a sparkline, links) loses its tags, keeps its words. */
export function cellText(cell: StatusCell): string {
  if (cell === undefined) return '—';
  if (typeof cell !== 'object') return String(cell);
  // Linear: one pass over tags, one over the numeric entities escapeHtml writes.
  const text = cell.html
    .replace(/<[^<>]*>/g, '')
    .replace(/&#(\d{1,7});/g, (entity, code: string) => (Number(code) <= 0x10ffff ? String.fromCodePoint(Number(code)) : entity));
  return text.replace(/\s+/g, ' ').trim() || '—';
}

/** One block per section: its title, then an aligned table (level first), or why it is empty. */
export function formatSections(loaded: readonly LoadedSection[]): string {
  return loaded
    .map(({ section, rows, error }) => {
      const head = `${section.title}\n`;
      if (error) return `${head}  cannot load: ${error}\n`;
      if (rows.length === 0) return `${head}  ${section.empty}\n`;
      const table = [
        ['', ...section.columns.map((c) => c.label)],
        ...rows.map((r) => [r.level.toUpperCase(), ...section.columns.map((c) => cellText(r.cells[c.key]))]),
      ];
      const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)));
      return (
        head +
        table
          .map(
            (line) =>
              `  ${line
                .map((c, i) => c.padEnd(widths[i] ?? 0))
                .join('  ')
                .trimEnd()}`,
          )
          .join('\n') +
        '\n'
      );
    })
    .join('\n');
}

/**
 * `alertworks status [--json]`: what the /status page shows, in the terminal. The same status
 * sections load it, so checks, certificates and volumes are read through their owners
 * (checks/check-state.ts, src/tls/inventory.ts, actions/volume-resize/state.ts). Read-only.
 * Exit code: 0, or 1 when Redis cannot be reached or a section could not be loaded.
 */
export const statusCommand: CliCommand = {
  name: 'status',
  usage: 'status [--json]',
  summary: 'what /status shows (checks, activity, certificates, volumes) as text; changes nothing',
  async run({ configPath, json, env, redisFrom }) {
    const config = loadConfig(configPath, env);
    process.stderr.write(redisLine(config.redis, redisFrom));
    const redis = createRedis(config.redis, 'producer', { connectTimeout: REDIS_WAIT_MS });
    try {
      try {
        await waitForRedis(redis, REDIS_WAIT_MS);
      } catch (err) {
        process.stderr.write(`alertworks status: ${redisUnavailable(err, `Redis at ${describeRedis(config.redis)} (from ${redisFrom})`, REDIS_WAIT_MS)}\n`);
        return 1;
      }
      const loaded = await loadSections({ config, redis, now: Date.now() });
      if (json) {
        const out = loaded.map(({ section, rows, error }) => ({
          id: section.id,
          title: section.title,
          ...(error ? { error } : {}),
          rows: rows.map((r) => ({
            level: r.level,
            ...Object.fromEntries(section.columns.map((c) => [c.key, r.cells[c.key] === undefined ? null : cellText(r.cells[c.key])])),
          })),
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(formatSections(loaded));
      }
      return loaded.some((l) => l.error) ? 1 : 0;
    } finally {
      redis.disconnect();
    }
  },
};
