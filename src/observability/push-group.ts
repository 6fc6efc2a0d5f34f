import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The metrics of one Pushgateway group (one queue): each group has its own Registry, so a
 * push carries exactly that queue's series. Filled by PushReporter (observability/pushgateway.ts).
 */
export class PushGroup {
  readonly registry = new Registry();
  readonly job: string;
  readonly duration = new Histogram({
    name: 'alertworks_job_duration_seconds',
    help: 'Job processing time in this queue, as seen by this worker instance.',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'alertworks_job_last_success_timestamp_seconds',
    help: 'Unix time the last job of this queue succeeded on this instance.',
    registers: [this.registry],
  });
  readonly lastFailure = new Gauge({
    name: 'alertworks_job_last_failure_timestamp_seconds',
    help: 'Unix time the last job attempt of this queue failed on this instance.',
    registers: [this.registry],
  });
  readonly processed = new Counter({
    name: 'alertworks_jobs_processed_total',
    help: 'Jobs processed in this queue on this instance, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'alertworks_queue_jobs',
    help: 'Jobs in this queue by state (all instances; read from Redis).',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  readonly active = new Gauge({
    name: 'alertworks_jobs_active',
    help: 'Jobs of this queue running right now on this instance.',
    registers: [this.registry],
  });
  private readonly attached = new Map<string, unknown>();
  private running = 0;

  constructor(readonly queue: string) {
    this.job = `alertworks_${queue}`;
  }

  jobStarted(): void {
    this.active.set(++this.running);
  }

  /** Never below zero, even for a job that started before the reporter was wired. */
  jobEnded(): void {
    this.running = Math.max(0, this.running - 1);
    this.active.set(this.running);
  }

  /**
   * Metrics another part keeps in this group's registry (the checks' probe gauges,
   * checks/check-metrics.ts), created on first use and found again by `key`.
   */
  attach<T>(key: string, create: (registry: Registry) => T): T {
    if (!this.attached.has(key)) this.attached.set(key, create(this.registry));
    return this.attached.get(key) as T;
  }
}
