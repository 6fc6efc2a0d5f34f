import { Counter, Gauge } from 'prom-client';
import { registry } from '../src/observability/metrics.js';
import type { Phase, ProbeResult } from './check-type.js';
import type { CheckStateName } from './check-state.js';

// Probe results under the blackbox exporter's names, with a `check` label, so its dashboards
// and alert rules work unchanged. Check names are validated at load, so they are safe labels.
const probeSuccess = new Gauge({ name: 'probe_success', help: 'Whether the last probe of the check succeeded (1) or not (0).', labelNames: ['check'] as const, registers: [registry] });
const probeDuration = new Gauge({ name: 'probe_duration_seconds', help: 'How long the last probe took to complete, in seconds.', labelNames: ['check'] as const, registers: [registry] });
const probeHttpStatus = new Gauge({ name: 'probe_http_status_code', help: 'HTTP status code of the last probe (0 when none was received).', labelNames: ['check'] as const, registers: [registry] });
const probeHttpPhase = new Gauge({
  name: 'probe_http_duration_seconds',
  help: 'Duration of each phase of the last HTTP probe, summed over redirects (phases: resolve, connect, tls, processing, transfer).',
  labelNames: ['check', 'phase'] as const,
  registers: [registry],
});
const probeDnsLookup = new Gauge({ name: 'probe_dns_lookup_time_seconds', help: 'How long the DNS lookup of the last probe took, in seconds.', labelNames: ['check'] as const, registers: [registry] });

const checkUp = new Gauge({ name: 'alertworks_check_up', help: 'State of the check: 1 up, 0 down, -1 unknown (not enough results yet).', labelNames: ['check'] as const, registers: [registry] });
const consecutiveFailures = new Gauge({ name: 'alertworks_check_consecutive_failures', help: 'Consecutive failed probes of the check.', labelNames: ['check'] as const, registers: [registry] });
const failuresTotal = new Counter({
  name: 'alertworks_check_failures_total',
  help: 'Failed probes by check and reason (dns, connect, tls, timeout, http_status, assertion, other).',
  labelNames: ['check', 'reason'] as const,
  registers: [registry],
});

const lastRun = new Gauge({
  name: 'alertworks_check_last_run_timestamp_seconds',
  help: 'When this process last finished a run of the check (Unix seconds); before its first run, when it started. Take the max over replicas: a value far behind time() means the check stopped running.',
  labelNames: ['check'] as const,
  registers: [registry],
});
const interval = new Gauge({ name: 'alertworks_check_interval_seconds', help: 'The configured interval of the check, in seconds.', labelNames: ['check'] as const, registers: [registry] });

/** The blackbox exporter calls the dns phase "resolve". */
const PHASE_LABEL: Record<Phase, string> = { dns: 'resolve', connect: 'connect', tls: 'tls', processing: 'processing', transfer: 'transfer' };
const HTTP_TYPES = new Set(['http', 'ses', 's3', 'openai', 'anthropic']);

export function observeProbe(check: { name: string; type: string }, result: ProbeResult): void {
  const labels = { check: check.name };
  probeSuccess.set(labels, result.success ? 1 : 0);
  probeDuration.set(labels, result.durationSeconds);
  if (result.phases.dns !== undefined) probeDnsLookup.set(labels, result.phases.dns);
  if (HTTP_TYPES.has(check.type)) {
    probeHttpStatus.set(labels, result.statusCode ?? 0);
    for (const phase of Object.keys(PHASE_LABEL) as Phase[]) probeHttpPhase.set({ check: check.name, phase: PHASE_LABEL[phase] }, result.phases[phase] ?? 0);
  }
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
  for (const g of [probeSuccess, probeDuration, probeHttpStatus, probeDnsLookup, checkUp, consecutiveFailures, lastRun, interval]) g.remove({ check: name });
  for (const phase of Object.values(PHASE_LABEL)) probeHttpPhase.remove({ check: name, phase });
}
