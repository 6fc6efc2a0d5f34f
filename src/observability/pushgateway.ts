import { hostname } from 'node:os';
import { Counter } from 'prom-client';
import { PushGroup } from './push-group.js';
import type { Logger } from './logger.js';
import { labelValue, registry as mainRegistry } from './metrics.js';
import { moveUserinfoToHeader } from '../config/url-credentials.js';
import { scrub } from './redact.js';
import { classifyNetworkError, classifyStatus, type ErrorReason } from '../failure.js';

/**
 * Pushgateway reporting. Each queue is one push group `{job="alertworks_<queue>", instance}`
 * with its own prom-client Registry, so a push (HTTP PUT: replace the group) carries exactly
 * that queue's series. Jobs only mark a group dirty; pushes happen on timers, at most one per
 * group per `minPushInterval` (trailing), plus every `interval` for queue sizes and once more
 * on stop. A push never runs on the job path and is bounded by `timeout`.
 *
 * Why fetch and not prom-client's Pushgateway class: one code path that we control for the
 * timeout (AbortSignal), the grouping-key encoding (base64 for values with "/") and the
 * failure reasons that become the `reason` label.
 */

export interface PushReporterOptions {
  /** Pushgateway base URL; without it nothing is pushed (metrics still accumulate). */
  url?: string;
  /** The `instance` grouping label. @defaultValue os.hostname() */
  instance?: string;
  /** Queue sizes are read and all groups pushed this often. @defaultValue 30000 */
  intervalMs?: number;
  /** Per-push time budget. @defaultValue 5000 */
  timeoutMs?: number;
  /** At most one push per group per this window. @defaultValue 1000 */
  minPushIntervalMs?: number;
  /** Reads queue sizes by state (QueueSet.counts). */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
  logger?: Logger;
  fetch?: typeof fetch;
}

export interface JobFinished {
  queue: string;
  action: string;
  outcome: string;
  durationSeconds: number;
}

export const pushFailures = new Counter({
  name: 'alertworks_pushgateway_push_failures_total',
  help: 'Pushes to the Pushgateway that failed, by group job and reason (the shared failure taxonomy: timeout, unreachable, server_error, bad_request, ...).',
  // `group`, not `job`: a `job` label would clash with the scrape's own and become exported_job.
  labelNames: ['group', 'reason'] as const,
  registers: [mainRegistry],
});

const pushesTotal = new Counter({
  name: 'alertworks_pushgateway_pushes_total',
  help: 'Pushes to the Pushgateway that it accepted, by group job.',
  labelNames: ['group'] as const,
  registers: [mainRegistry],
});

/** Outcomes that count as a failed job (everything else a job returns is a success). */
const FAILED_OUTCOMES = new Set(['failed', 'retry']);
const NOT_FINAL_OUTCOMES = new Set(['delayed']);

export class PushReporter {
  private readonly groups = new Map<string, PushGroup>();
  private readonly dirty = new Set<string>();
  private readonly lastPushAt = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastWarnAt = new Map<string, number>();
  private options: Required<Omit<PushReporterOptions, 'url' | 'queueCounts' | 'logger'>> &
    Pick<PushReporterOptions, 'url' | 'queueCounts' | 'logger'> & { authorization?: string };
  private ticker?: NodeJS.Timeout;
  private stopped = false;

  constructor(options: PushReporterOptions = {}) {
    this.options = PushReporter.withDefaults(options);
  }

  private static withDefaults(o: PushReporterOptions) {
    // `http://user:password@pushgateway:9091`: fetch refuses credentials in a URL, so they
    // travel as an Authorization header (basic auth of the Pushgateway's web config).
    const target = o.url ? moveUserinfoToHeader(o.url) : undefined;
    return {
      ...o,
      url: target?.url,
      authorization: target?.authorization,
      instance: o.instance ?? hostname(),
      intervalMs: o.intervalMs ?? 30_000,
      timeoutMs: o.timeoutMs ?? 5_000,
      minPushIntervalMs: o.minPushIntervalMs ?? 1_000,
      fetch: o.fetch ?? globalThis.fetch,
    };
  }

  get enabled(): boolean {
    return !!this.options.url && !this.stopped;
  }

  /** Starts pushing: configures the target and the schedule (queue sizes every interval). */
  start(options: PushReporterOptions): void {
    // Restartable (tests run the service in-process more than once).
    if (this.ticker) clearInterval(this.ticker);
    this.options = PushReporter.withDefaults(options);
    this.stopped = false;
    if (!this.options.url) return;
    this.options.logger?.info(
      { pushgateway: scrub(this.options.url), instance: this.options.instance, intervalMs: this.options.intervalMs },
      'pushing metrics to the Pushgateway',
    );
    this.ticker = setInterval(() => void this.tick(), this.options.intervalMs);
    this.ticker.unref();
    void this.tick();
  }

  /** The group of a queue; other parts may register extra metrics in `group(q).registry`. */
  group(queue: string): PushGroup {
    let group = this.groups.get(queue);
    if (!group) {
      group = new PushGroup(queue);
      this.groups.set(queue, group);
    }
    return group;
  }

  /** JobObserver hook: a job started. Synchronous, no I/O. */
  onJobStarted(info: { queue: string }): void {
    this.group(info.queue).jobStarted();
  }

  /** JobObserver hook: a job ended. Synchronous: records, marks dirty, returns. */
  onJobFinished(info: JobFinished): void {
    const group = this.group(info.queue);
    const now = Date.now() / 1000;
    group.jobEnded();
    group.duration.observe(info.durationSeconds);
    group.processed.inc({ outcome: labelValue(info.outcome) });
    if (FAILED_OUTCOMES.has(info.outcome)) group.lastFailure.set(now);
    else if (!NOT_FINAL_OUTCOMES.has(info.outcome)) group.lastSuccess.set(now);
    this.markDirty(info.queue);
  }

  /**
   * Reports a job run by a worker that does not go through startWorkers (e.g. the checks
   * worker): `return pushReporter.reportJob('checks', () => runCheck(...))`. Outcome `failed`
   * when it throws.
   */
  async reportJob<T extends { outcome: string }>(queue: string, run: () => Promise<T>, action = queue): Promise<T> {
    const started = performance.now();
    let outcome = 'failed';
    this.onJobStarted({ queue });
    try {
      const result = await run();
      outcome = result.outcome;
      return result;
    } finally {
      this.onJobFinished({ queue, action, outcome, durationSeconds: (performance.now() - started) / 1000 });
    }
  }

  /** Schedules a push of this group: now if it was quiet for minPushInterval, else trailing. */
  markDirty(queue: string): void {
    this.dirty.add(queue);
    if (!this.enabled || this.timers.has(queue) || this.inFlight.has(queue)) return;
    const wait = Math.max(0, (this.lastPushAt.get(queue) ?? 0) + this.options.minPushIntervalMs - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(queue);
      void this.push(queue);
    }, wait);
    timer.unref();
    this.timers.set(queue, timer);
  }

  /** Reads queue sizes and pushes every group. */
  async tick(): Promise<void> {
    await this.refreshQueueSizes();
    for (const queue of this.groups.keys()) this.dirty.add(queue);
    await Promise.all([...this.groups.keys()].map((q) => this.push(q)));
  }

  /** Final push on graceful stop: fresh queue sizes, every group, bounded by the timeout. */
  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.options.url && !this.stopped) {
      // After any push still out (order), but the whole stop takes at most one push timeout.
      const final = (async () => {
        await Promise.allSettled([...this.inFlight.values()]);
        await this.tick();
      })();
      await withDeadline(final, this.options.timeoutMs).catch(() => this.options.logger?.warn('final Pushgateway push did not finish in time'));
    }
    this.stopped = true;
  }

  private async refreshQueueSizes(): Promise<void> {
    const counts = this.options.queueCounts;
    if (!counts) return;
    let byQueue: Record<string, Record<string, number>>;
    try {
      byQueue = await withDeadline(counts(), this.options.timeoutMs);
    } catch (err) {
      this.options.logger?.debug({ err }, 'queue sizes not read for the Pushgateway (Redis unreachable?)');
      return;
    }
    for (const [queue, states] of Object.entries(byQueue)) {
      const group = this.group(queue);
      for (const [state, n] of Object.entries(states)) group.queueJobs.set({ queue, state }, n);
    }
  }

  /** One push of one group; waits for an earlier push of the same group (order kept). */
  private async push(queue: string): Promise<void> {
    const url = this.options.url;
    const group = this.groups.get(queue);
    if (!url || !group) return;
    const previous = this.inFlight.get(queue);
    if (previous) await previous;
    if (!this.dirty.has(queue)) return;
    this.dirty.delete(queue);
    const attempt = this.send(url, group).finally(() => {
      this.inFlight.delete(queue);
      this.lastPushAt.set(queue, Date.now());
      // Jobs that finished while this push was out are pushed on the next trailing slot.
      if (this.dirty.has(queue) && !this.stopped) this.markDirty(queue);
    });
    this.inFlight.set(queue, attempt);
    await attempt;
  }

  private async send(baseUrl: string, group: PushGroup): Promise<void> {
    const target = `${baseUrl.replace(/\/+$/, '')}/metrics/${groupingPath({ job: group.job, instance: this.options.instance })}`;
    let reason: ErrorReason;
    let detail = '';
    try {
      const body = await group.registry.metrics();
      const res = await this.options.fetch(target, {
        method: 'PUT',
        headers: { 'content-type': group.registry.contentType, ...(this.options.authorization ? { authorization: this.options.authorization } : {}) },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (res.ok) {
        await res.arrayBuffer().catch(() => undefined);
        pushesTotal.inc({ group: group.job });
        if (this.lastWarnAt.delete(group.job)) this.options.logger?.info({ pushgateway_job: group.job }, 'Pushgateway push works again');
        return;
      }
      reason = classifyStatus(res.status).reason;
      detail = `HTTP ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`;
    } catch (err) {
      const e = err as Error;
      reason = classifyNetworkError(e).reason;
      detail = e.message + (e.cause instanceof Error ? ` (${e.cause.message})` : '');
    }
    pushFailures.inc({ group: group.job, reason });
    // A Pushgateway that stays down must not flood the log: one warning a minute per group.
    const lastWarn = this.lastWarnAt.get(group.job);
    const level = lastWarn === undefined || Date.now() - lastWarn > 60_000 ? 'warn' : 'debug';
    if (level === 'warn') this.lastWarnAt.set(group.job, Date.now());
    this.options.logger?.[level](
      { pushgateway_job: group.job, reason, error: scrub(detail), pushgateway: scrub(baseUrl) },
      'Pushgateway push failed; metrics will be pushed again later',
    );
  }
}

/**
 * The grouping key as a URL path: `job/<v>/instance/<v>`. Values with "/" (or empty ones)
 * use the Pushgateway's base64url form `<label>@base64/<v>`.
 */
export function groupingPath(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) =>
      value === '' || value.includes('/') ? `${name}@base64/${Buffer.from(value).toString('base64url') || '='}` : `${name}/${encodeURIComponent(value)}`,
    )
    .join('/');
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** The process-wide reporter: workers feed it, checks record probes in it, main.ts starts it. */
export const pushReporter = new PushReporter();
