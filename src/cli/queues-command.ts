import { loadConfig } from '../config/load.js';
import { observedQueueNames } from '../main.js';
import { JOB_STATES, QueueSet } from '../queue/queues.js';
import { createRedis, describeRedis, redisUnavailable, waitForRedis, withTimeout } from '../redis.js';
import type { CliCommand } from './commands.js';
import { redisLine } from './redis-source.js';

/** How long a command waits for Redis before saying it is unreachable (well inside 2 s). */
export const REDIS_WAIT_MS = 1_500;

/** Rows of a plain-text table: one line per queue, one column per job state, plus a total row. */
export function formatQueueCounts(counts: Record<string, Record<string, number>>): string {
  const names = Object.keys(counts).sort();
  const header = ['queue', ...JOB_STATES];
  const rows = names.map((name) => [name, ...JOB_STATES.map((s) => String(counts[name]?.[s] ?? 0))]);
  rows.push(['total', ...JOB_STATES.map((s) => String(names.reduce((sum, n) => sum + (counts[n]?.[s] ?? 0), 0)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `alertworks queues [--json]`: job counts by state for every action queue and the checks queue. */
export const queuesCommand: CliCommand = {
  name: 'queues',
  usage: 'queues [--json]',
  summary: 'job counts by state (waiting, active, delayed, failed, ...) per queue',
  async run({ configPath, json, env, redisFrom }) {
    const config = loadConfig(configPath, env);
    process.stderr.write(redisLine(config.redis, redisFrom));
    const redis = createRedis(config.redis, 'producer', { connectTimeout: REDIS_WAIT_MS });
    let queues: QueueSet | undefined;
    try {
      await waitForRedis(redis, REDIS_WAIT_MS).catch((err: unknown) => {
        throw new Error(redisUnavailable(err, `Redis at ${describeRedis(config.redis)} (from ${redisFrom})`, REDIS_WAIT_MS));
      });
      // After the connection is ready: the producer connection has no offline queue.
      queues = new QueueSet(redis, config, observedQueueNames());
      const counts = await withTimeout(queues.counts(), 10_000, 'reading queue counts');
      process.stdout.write(json ? `${JSON.stringify(counts, null, 2)}\n` : formatQueueCounts(counts));
      return 0;
    } catch (err) {
      process.stderr.write(`alertworks queues: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await queues?.close();
      redis.disconnect();
    }
  },
};
