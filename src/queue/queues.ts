import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import { queueJobs } from '../observability/metrics.js';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * Job options every job gets: retries with exponential backoff and jitter, and how long a
 * finished job is kept (`jobs.keepCompleted` / `jobs.keepFailed`). Dedup does not depend on
 * it: alert jobs carry their own compact dedup record (`occurrenceOptions`).
 */
export function defaultJobOptions(config: AppConfig): JobsOptions {
  return {
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoff, jitter: 0.5 },
    removeOnComplete: { age: Math.ceil(config.jobs.keepCompleted / 1000) },
    removeOnFail: { age: Math.ceil(config.jobs.keepFailed / 1000) },
  };
}

/**
 * Options of the job for one alert occurrence. Its id is the occurrence's dedup key; BullMQ's
 * deduplication stores `<queue key>:de:<id>` (the job id, TTL = dedupWindow) in the same script
 * that stores the job, so the record exists exactly when the job was stored, and outlives the
 * job: an add while it exists stores nothing. Removing a job by hand (dashboard, `job.remove()`)
 * deletes its record too; retention (`keepCompleted`) does not.
 */
export function occurrenceOptions(jobId: string, dedupWindowMs: number): JobsOptions {
  return { jobId, deduplication: { id: jobId, ttl: dedupWindowMs } };
}

/** The keys that say an occurrence is already stored: its dedup record, and its job (stored before the record existed). */
export function occurrenceKeys(queue: Queue, jobId: string): [string, string] {
  return [queue.toKey(`de:${jobId}`), queue.toKey(jobId)];
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

  /** How long an alert occurrence is remembered for dedup (`jobs.dedupWindow`). */
  get dedupWindowMs(): number {
    return this.config.jobs.dedupWindow;
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
