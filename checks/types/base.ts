import { z } from 'zod';
import { durationMs } from '../../src/config/duration.js';
import { maintenanceWindowSchema, type MaintenanceWindow } from '../maintenance.js';

/**
 * What a check watches decides its defaults (DESIGN.md): `uptime` (our own public URLs:
 * every 1m, DOWN after 2 failures) or `dependency` (external services we rely on: every 5m,
 * DOWN after 3). Presets (ses, s3, openai, anthropic) are dependencies; plain types are uptime
 * checks unless they say `kind: dependency`.
 */
export type CheckKind = 'uptime' | 'dependency';

const KIND_DEFAULTS: Record<CheckKind, { intervalMs: number; failureThreshold: number }> = {
  uptime: { intervalMs: 60_000, failureThreshold: 2 },
  dependency: { intervalMs: 300_000, failureThreshold: 3 },
};

const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_REMIND_EVERY_MS = 3_600_000;

/** Check names are metric label values, Redis key parts and scheduler ids. */
const checkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, "_", "." or "-"');

/** Fields every check accepts, with their config spelling; defineCheckType (checks/check-type.ts) adds them to every type. */
export function checkBaseShape(defaultKind: CheckKind) {
  return {
    name: checkName,
    /** uptime | dependency: picks the interval and failureThreshold defaults. */
    kind: z.enum(['uptime', 'dependency']).default(defaultKind),
    /** @defaultValue 1m (uptime), 5m (dependency) */
    interval: durationMs.optional(),
    /** Per-attempt budget. @defaultValue 10s, never more than the interval */
    timeout: durationMs.optional(),
    /** Consecutive failures before DOWN. @defaultValue 2 (uptime), 3 (dependency) */
    failureThreshold: z.number().int().min(1).max(100).optional(),
    /** Consecutive successes before UP again. @defaultValue 1 */
    successThreshold: z.number().int().min(1).max(100).default(1),
    /** Reminder while DOWN; 0 turns reminders off. @defaultValue 1h */
    remindEvery: durationMs.default(DEFAULT_REMIND_EVERY_MS),
    /** This check's own maintenance windows (the global ones are in `checkRunner.maintenance`). */
    maintenance: z.array(maintenanceWindowSchema).default([]),
  };
}

/** Config keys of the common base; a type's own fields may not reuse them. */
export const BASE_FIELDS: readonly string[] = Object.keys(checkBaseShape('uptime'));

/** The base fields after defaults, as the running code sees them. */
// A type, not an interface: a parsed check is also a plain record of its fields (AppConfig.checks).
export type ResolvedBase = {
  name: string;
  kind: CheckKind;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  remindEveryMs: number;
  maintenance: MaintenanceWindow[];
};

interface RawBase {
  name: string;
  kind: CheckKind;
  interval?: number | undefined;
  timeout?: number | undefined;
  failureThreshold?: number | undefined;
  successThreshold: number;
  remindEvery: number;
  maintenance: MaintenanceWindow[];
}

/**
 * Turns the parsed config spelling into the running shape, filling kind-dependent defaults:
 * `{ interval, timeout, remindEvery, ... }` -> `{ intervalMs, timeoutMs, remindEveryMs, ... }`.
 */
export function resolveBase<T extends RawBase>(
  raw: T,
  ctx: z.RefinementCtx,
  typeDefaults: { intervalMs?: number | undefined; failureThreshold?: number | undefined } = {},
): Omit<T, 'interval' | 'timeout' | 'remindEvery'> & ResolvedBase {
  const { interval, timeout, remindEvery, ...rest } = raw;
  const kindDefaults = KIND_DEFAULTS[raw.kind];
  const defaults = {
    intervalMs: typeDefaults.intervalMs ?? kindDefaults.intervalMs,
    failureThreshold: typeDefaults.failureThreshold ?? kindDefaults.failureThreshold,
  };
  const intervalMs = interval ?? defaults.intervalMs;
  if (intervalMs < 100) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'must be at least 100ms' });
  const timeoutMs = timeout ?? Math.min(DEFAULT_TIMEOUT_MS, intervalMs);
  if (timeoutMs <= 0) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must be more than 0' });
  if (timeoutMs > intervalMs) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must not be longer than the interval' });
  return {
    ...rest,
    intervalMs,
    timeoutMs,
    remindEveryMs: remindEvery,
    failureThreshold: raw.failureThreshold ?? defaults.failureThreshold,
  };
}

/** A regular expression field: compiled at load so a bad pattern names its field. */
export const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});
