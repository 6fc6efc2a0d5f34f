import { z } from 'zod';
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
  })
  .prefault({});

export type CheckRunnerSettings = z.output<typeof checkRunnerSchema>;
