import { Counter, Gauge, type Registry } from 'prom-client';
import { registry } from '../src/observability/metrics.js';
import { pushReporter, type PushReporter } from '../src/observability/pushgateway.js';
import { PLATFORM_REASONS, type CheckType, type ProbeMetric, type ProbeResult } from './check-type.js';
import type { CheckStateName } from './check-state.js';
import { checkFailureReasons, checkTypes } from './registry.js';

/** Metrics every probe has, whatever its type (blackbox exporter names, `check` label). */
const COMMON_PROBE_METRICS: readonly ProbeMetric[] = [
  { name: 'probe_success', help: 'Whether the last probe of the check succeeded (1) or not (0).', read: (r) => (r.success ? 1 : 0) },
  { name: 'probe_duration_seconds', help: 'How long the last probe took to complete, in seconds.', read: (r) => r.durationSeconds },
  { name: 'probe_dns_lookup_time_seconds', help: 'How long the DNS lookup of the last probe took, in seconds.', read: (r) => r.phases.dns },
];

/**
 * The probe gauges of every registered type in one registry: built from the types' own
 * declarations (CheckType.metrics), once for /metrics and once per Pushgateway group, so the
 * two always carry the same names and labels.
 */
export class ProbeMetrics {
  private readonly gauges = new Map<string, { metric: ProbeMetric; gauge: Gauge<string> }>();
  private readonly byType = new Map<string, readonly ProbeMetric[]>();

  constructor(target: Registry, types: readonly CheckType[] = checkTypes) {
    for (const type of types) this.byType.set(type.type, [...COMMON_PROBE_METRICS, ...type.metrics]);
    for (const metric of [...this.byType.values()].flat()) {
      const known = this.gauges.get(metric.name);
      if (known) {
        if (known.metric.help !== metric.help || known.metric.label?.name !== metric.label?.name) {
          throw new Error(`probe metric ${metric.name} is declared twice with different help or labels`);
        }
        continue;
      }
      const labelNames = ['check', ...(metric.label ? [metric.label.name] : [])];
      this.gauges.set(metric.name, { metric, gauge: new Gauge({ name: metric.name, help: metric.help, labelNames, registers: [target] }) });
    }
  }

  record(check: { name: string; type: string }, result: ProbeResult): void {
    for (const metric of this.byType.get(check.type) ?? COMMON_PROBE_METRICS) {
      const { gauge } = this.gauges.get(metric.name)!;
      const value = metric.read(result);
      if (value === undefined) continue;
      if (value === null) this.drop(metric, gauge, check.name);
      else if (typeof value === 'number') gauge.set({ check: check.name }, value);
      // Only the declared label values are ever written: the label set stays closed.
      else if (metric.label) for (const v of metric.label.values) gauge.set({ check: check.name, [metric.label.name]: v }, value[v] ?? 0);
    }
  }

  /** Drops the series of a check that left the config. */
  forget(name: string): void {
    for (const { metric, gauge } of this.gauges.values()) this.drop(metric, gauge, name);
  }

  private drop(metric: ProbeMetric, gauge: Gauge<string>, check: string): void {
    if (metric.label) for (const v of metric.label.values) gauge.remove({ check, [metric.label.name]: v });
    else gauge.remove({ check });
  }
}

let scraped: ProbeMetrics | undefined;
/** Created on first use: the registry module must be fully loaded first. */
const probeMetrics = () => (scraped ??= new ProbeMetrics(registry));

const checkUp = new Gauge({
  name: 'alertworks_check_up',
  help: 'State of the check: 1 up, 0 down, -1 unknown (not enough results yet).',
  labelNames: ['check'] as const,
  registers: [registry],
});
const consecutiveFailures = new Gauge({
  name: 'alertworks_check_consecutive_failures',
  help: 'Consecutive failed probes of the check.',
  labelNames: ['check'] as const,
  registers: [registry],
});
const failuresTotal = new Counter({
  name: 'alertworks_check_failures_total',
  help: `Failed probes by check and reason (${[...checkFailureReasons].join(', ')}).`,
  labelNames: ['check', 'reason'] as const,
  registers: [registry],
});

const lastRun = new Gauge({
  name: 'alertworks_check_last_run_timestamp_seconds',
  help: 'When this process last finished a run of the check (Unix seconds); before its first run, when it started. Take the max over replicas: a value far behind time() means the check stopped running.',
  labelNames: ['check'] as const,
  registers: [registry],
});
const interval = new Gauge({
  name: 'alertworks_check_interval_seconds',
  help: 'The configured interval of the check, in seconds.',
  labelNames: ['check'] as const,
  registers: [registry],
});

/** The failure reason as a label: one the type declared (or a platform one), else `other`. */
export function reasonLabel(type: Pick<CheckType, 'reasons'>, reason: string | undefined): string {
  if (reason === undefined) return 'other';
  return type.reasons.includes(reason) || (PLATFORM_REASONS as readonly string[]).includes(reason) ? reason : 'other';
}

/** One probe result, written to /metrics and to the `checks` Pushgateway group. */
export function observeProbe(check: { name: string; type: string }, result: ProbeResult, reporter: PushReporter = pushReporter): void {
  probeMetrics().record(check, result);
  reporter
    .group('checks')
    .attach('probes', (r) => new ProbeMetrics(r))
    .record(check, result);
  reporter.markDirty('checks');
  if (!result.success) failuresTotal.inc({ check: check.name, reason: result.failureReason ?? 'other' });
}

export function observeState(name: string, state: CheckStateName, failures: number): void {
  checkUp.set({ check: name }, state === 'up' ? 1 : state === 'down' ? 0 : -1);
  consecutiveFailures.set({ check: name }, failures);
}

/** The staleness series of every configured check, so a check that never runs is seen too. */
export function initCheckRunMetrics(checks: readonly { name: string; intervalMs: number }[], nowMs: number): void {
  for (const c of checks) {
    interval.set({ check: c.name }, c.intervalMs / 1000);
    lastRun.set({ check: c.name }, nowMs / 1000);
  }
}

export function observeRun(name: string, atMs: number): void {
  lastRun.set({ check: name }, atMs / 1000);
}

/** Drops the series of a check that left the config. */
export function forgetCheckMetrics(name: string): void {
  probeMetrics().forget(name);
  for (const g of [checkUp, consecutiveFailures, lastRun, interval]) g.remove({ check: name });
}
