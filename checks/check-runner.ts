import type { RedisClient } from '../src/redis.js';
import type { AppConfig } from '../src/config/schema.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import type { Logger } from '../src/observability/logger.js';
import { scrub } from '../src/observability/redact.js';
import { withClientSpan } from '../src/observability/tracing.js';
import type { CheckBase, CheckType, ProbeResult } from './check-type.js';
import { announce } from './check-notify.js';
import { observeProbe, observeState, reasonLabel } from './check-metrics.js';
import { recordResult, type Transition } from './check-state.js';
import { findCheckType } from './registry.js';
import { CheckHistory } from '../src/history/check-history.js';
import type { AuditTrail } from '../src/audit/audit-trail.js';

export interface CheckRunDeps {
  config: AppConfig;
  redis: RedisClient;
  threads: IncidentThreads;
  logger: Logger;
  /** For tests of time-dependent behaviour (reminders, windows). @defaultValue Date.now */
  clock?: () => number;
  /** The audit trail (certificate renewals). @defaultValue none */
  audit?: AuditTrail;
}

export function findCheck(config: AppConfig, name: string): { check: CheckBase; type: CheckType } | undefined {
  const check = config.checks.find((c) => c.name === name) as CheckBase | undefined;
  const type = check && findCheckType(check.type);
  return check && type ? { check, type } : undefined;
}

/** Runs one probe, never throwing: an exception inside a probe is a failure with reason `other`. */
export async function probeOnce(check: CheckBase, type: CheckType, logger: Logger, signal: AbortSignal = new AbortController().signal): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const result = await withClientSpan(`check.${check.type}`, { 'alertworks.check': check.name }, () => type.probe(check, { signal, logger }));
    // The reason becomes a label and a stored field: keep it inside the type's declared set.
    return result.success ? result : { ...result, failureReason: reasonLabel(type, result.failureReason) };
  } catch (err) {
    return {
      success: false,
      durationSeconds: (performance.now() - started) / 1000,
      phases: {},
      failureReason: 'other',
      error: scrub(err instanceof Error ? err.message : String(err)),
    };
  }
}

/**
 * One scheduled run of a check: probe, metrics, record the result and move the state machine
 * (atomically, deduplicated by `runAt`), then bring chat in line with the state.
 */
export async function executeCheck(
  check: CheckBase,
  type: CheckType,
  runAt: number,
  deps: CheckRunDeps,
  signal?: AbortSignal,
): Promise<{ result: ProbeResult; transition: Transition }> {
  const clock = deps.clock ?? Date.now;
  const result = await probeOnce(check, type, deps.logger, signal);
  observeProbe(check, result);
  const now = clock();
  const { transition, state, consecutiveFailures, since } = await recordResult(deps.redis, deps.config.redis.prefix, {
    name: check.name,
    runAt,
    now,
    failureThreshold: check.failureThreshold,
    successThreshold: check.successThreshold,
    result,
  });
  observeState(check.name, state, consecutiveFailures);
  // Also on a duplicate: the history dedups by runAt itself and makes up a write lost to a crash.
  await new CheckHistory(deps.redis, deps.config.redis.prefix).record({
    name: check.name,
    runAt,
    at: now,
    success: result.success,
    durationSeconds: result.durationSeconds,
    state,
    stateSince: since,
    reason: state === 'down' ? [result.failureReason, result.statusCode && `HTTP ${result.statusCode}`, result.error].filter(Boolean).join(': ') : undefined,
  });
  const log = {
    check: check.name,
    success: result.success,
    reason: result.failureReason,
    error: result.error,
    transition,
    state,
    durationSeconds: result.durationSeconds,
  };
  if (transition === 'down' || transition === 'up') deps.logger.warn(log, `check ${transition.toUpperCase()}`);
  else deps.logger.debug(log, 'check result');
  if (transition !== 'duplicate' && type.onResult) {
    await type.onResult(check, result, { config: deps.config, redis: deps.redis, threads: deps.threads, logger: deps.logger, audit: deps.audit });
  }
  // Also on a duplicate: a retried job whose first attempt recorded but failed to notify finishes the job.
  await announce(check, now, deps);
  return { result, transition };
}
