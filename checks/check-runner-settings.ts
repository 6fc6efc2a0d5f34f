import { z } from 'zod';
import { durationMs } from '../src/config/duration.js';
import { maintenanceWindowSchema } from './maintenance.js';

/** The `checkRunner:` config section: how all checks are run and when their alerts are held. */
export const checkRunnerSchema = z
  .strictObject({
    /** Checks probed at once per worker process. @defaultValue 16 */
    concurrency: z.number().int().min(1).max(1000).default(16),
    /**
     * A check that should only fail when the prober itself is cut off (e.g. a well-known
     * public endpoint). With it failing and most checks failing at once, one "connectivity lost"
     * message replaces a DOWN per check.
     */
    canary: z.string().optional(),
    /** Share of checks failing at once that, with the canary failing, means lost connectivity. @defaultValue 0.5 */
    connectivityLossRatio: z.number().gt(0).max(1).default(0.5),
    /** Windows that hold every check's notifications. */
    maintenance: z.array(maintenanceWindowSchema).default([]),
    /** Finished check jobs kept in Redis (per state), for the queue dashboard. @defaultValue 100 */
    keepJobs: z.number().int().min(0).default(100),
    /**
     * How often every \`work\` replica re-derives the check schedules from its config (and on
     * every reconnect to Redis): schedules lost with Redis data, or a chain of runs broken while
     * Redis refused writes, are back within this time.
     * @defaultValue 30s, or half the shortest check interval when that is less (at least 1s)
     */
    resyncInterval: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').optional(),
    /**
     * Take the check schedules over from replicas running another config (another set of
     * checks) while they are still alive. Without it such a replica reports the mismatch and
     * leaves their schedules alone; it takes over only once no replica of the other config is
     * left. @defaultValue false
     */
    takeOverSchedules: z.boolean().default(false),
  })
  .prefault({});

export type CheckRunnerSettings = z.output<typeof checkRunnerSchema>;

/** The resync period in effect: the configured one, else 30s or half the shortest interval (at least 1s). */
export function resyncIntervalMs(settings: Pick<CheckRunnerSettings, 'resyncInterval'>, checks: readonly { intervalMs: number }[]): number {
  if (settings.resyncInterval !== undefined) return settings.resyncInterval;
  const shortest = Math.min(...checks.map((c) => c.intervalMs));
  return Math.max(1_000, Math.min(30_000, Math.floor(shortest / 2)));
}
