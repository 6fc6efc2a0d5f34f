import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import { queueJobs } from '../observability/metrics.js';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/** Job options every alert job gets: retries with exponential backoff and jitter, retention for dedup. */
export function defaultJobOptions(config: AppConfig): JobsOptions {
  const keepSeconds = Math.ceil(config.jobs.dedupWindow / 1000);
  return {
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoff, jitter: 0.5 },
    // Finished jobs are kept for the dedup window: their ids are what makes a re-send a duplicate.
    removeOnComplete: { age: keepSeconds },
    removeOnFail: { age: keepSeconds },
  };
}

/** One BullMQ queue per action (and per scheduled job family), all on one connection. */
export class QueueSet {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly connection: RedisClient,
    private readonly config: AppConfig,
    names: readonly string[],
  ) {
    for (const name of names) this.add(name);
  }

  add(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.config.redis.prefix,
        defaultJobOptions: defaultJobOptions(this.config),
        skipWaitingForReady: true,
      });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  get(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue named "${name}"`);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  /** Counts by state for every queue; also refreshes the alertworks_queue_jobs gauge. */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    await Promise.all(
      this.all().map(async (q) => {
        const counts = await q.getJobCounts(...JOB_STATES);
        out[q.name] = counts;
        for (const state of JOB_STATES) queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
      }),
    );
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((q) => q.close()));
  }
}
