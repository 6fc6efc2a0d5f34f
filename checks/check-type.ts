import type { RedisClient } from '../src/redis.js';
import { z } from 'zod';
import type { AppConfig } from '../src/config/schema.js';
import type { Logger } from '../src/observability/logger.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import type { MaintenanceWindow } from './maintenance.js';
import { BASE_FIELDS, checkBaseShape, resolveBase, type CheckKind, type ResolvedBase } from './types/base.js';
import type { AuditTrail } from '../src/audit/audit-trail.js';

/** Fields every check has, whatever its type (see DESIGN.md `checks:`), after defaults. */
export type CheckBase = ResolvedBase & {
  type: string;
};

/** A check type's schema: discriminable on `type`, so the config's `checks` union names the right type's fields in errors. */
export type CheckSchema<C extends CheckBase = CheckBase> = z.ZodType<C> & z.core.$ZodTypeDiscriminable;

/**
 * A timing phase name (blackbox exporter's: dns, connect, tls, processing, transfer, ...).
 * Each type declares the phases it measures (`CheckType.phases`); no central list.
 */
export type Phase = string;

/**
 * Why a probe failed: a metric label value (`alertworks_check_failures_total{reason}`), so it
 * comes from a closed set: the reasons the check's type declares, plus PLATFORM_REASONS.
 */
export type FailureReason = string;

/** Reasons the runner itself may give, whatever the type: a probe that threw, or ran out of time. */
export const PLATFORM_REASONS = ['other', 'timeout'] as const;

/** The outcome of one probe run. */
export interface ProbeResult {
  success: boolean;
  /** Wall time of the whole probe. */
  durationSeconds: number;
  /** Per-phase timings that could be measured, from the type's declared phases. */
  phases: Partial<Record<Phase, number>>;
  statusCode?: number;
  failureReason?: FailureReason;
  /** Human-readable, scrubbed of secrets. */
  error?: string;
  /** Type-specific facts (e.g. certificates of a TLS check) for onResult, metrics and the status page. */
  details?: Record<string, unknown>;
}

export interface ProbeContext {
  signal: AbortSignal;
  logger: Logger;
}

/** What a type-specific result hook may use (e.g. TLS expiry levels). */
export interface CheckResultContext {
  config: AppConfig;
  redis: RedisClient;
  threads: IncidentThreads;
  logger: Logger;
  /** Where decisions worth an audit record go (a certificate renewal). @defaultValue none */
  audit?: AuditTrail;
}

/**
 * One probe metric a type declares, under the blackbox exporter's name, with a `check` label
 * (and at most one more label with a closed set of values). Declared once here, it is written
 * both to /metrics and to the Pushgateway (checks/check-metrics.ts).
 */
export interface ProbeMetric {
  name: string;
  help: string;
  /** A label besides `check`, with every value it may take. */
  label?: { name: string; values: readonly string[] };
  /**
   * The value of one result (by label value when there is a label); undefined leaves the
   * series as it was, null drops it (the figure no longer exists).
   */
  read(result: ProbeResult): number | null | undefined | Readonly<Partial<Record<string, number>>>;
}

/** One kind of scheduled check as the runner sees it: built by defineCheckType, listed in checks/registry.ts. */
export interface CheckType<C extends CheckBase = CheckBase> {
  readonly type: string;
  /** Parses one `checks:` entry of this type: the common base plus the type's own fields. */
  readonly schema: CheckSchema<C>;
  readonly phases: readonly Phase[];
  /** Failure reasons this type's probe may give (besides PLATFORM_REASONS). */
  readonly reasons: readonly FailureReason[];
  readonly metrics: readonly ProbeMetric[];
  /** A minimal valid entry's own fields (without name/type); the contract test and docs use it. */
  readonly example: Readonly<Record<string, unknown>>;
  probe(check: C, ctx: ProbeContext): Promise<ProbeResult>;
  /** Optional extra evaluation after each result (notifications beyond up/down). */
  onResult?(check: C, result: ProbeResult, ctx: CheckResultContext): Promise<void>;
}

type Own<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape, z.core.$strict>>;

/** What a check type supplies: only its own fields, rules, probe and declarations. */
export interface CheckTypeSpec<Shape extends z.ZodRawShape, Resolved> {
  type: string;
  /** Picks the interval/failureThreshold defaults. @defaultValue uptime */
  kind?: CheckKind;
  /** This type's own defaults, over the kind's (e.g. tls: every 1h, DOWN after 1 failure). */
  defaults?: { intervalMs?: number; failureThreshold?: number };
  /** The type's own config fields; a name the base already has is a programming error. */
  fields: Shape;
  /** Cross-field rules and derived values of the own fields (base fields are already resolved). */
  resolve?(own: Own<Shape>, ctx: z.RefinementCtx): Resolved;
  phases: readonly Phase[];
  reasons: readonly FailureReason[];
  /** Probe metrics besides the common ones (probe_success, probe_duration_seconds, probe_dns_lookup_time_seconds). */
  metrics?: readonly ProbeMetric[];
  example: Readonly<Record<string, unknown>>;
  probe(check: Resolved & CheckBase, ctx: ProbeContext): Promise<ProbeResult>;
  onResult?(check: Resolved & CheckBase, result: ProbeResult, ctx: CheckResultContext): Promise<void>;
}

/**
 * Builds a check type from its own parts. The common base (name, kind, interval, timeout,
 * thresholds, remindEvery, maintenance) is added here, so no type can skip or redefine it.
 */
export function defineCheckType<Shape extends z.ZodRawShape, Resolved = Own<Shape>>(spec: CheckTypeSpec<Shape, Resolved>): CheckType<Resolved & CheckBase> {
  const clash = Object.keys(spec.fields).filter((k) => BASE_FIELDS.includes(k) || k === 'type');
  if (clash.length > 0) throw new Error(`check type ${spec.type}: fields ${clash.join(', ')} belong to the common base`);
  const baseShape = checkBaseShape(spec.kind ?? 'uptime');
  // Already validated values pass through it unchanged; it only gives them their type.
  const baseSchema = z.object({
    ...baseShape,
    interval: z.number().optional(),
    timeout: z.number().optional(),
    remindEvery: z.number(),
    maintenance: z.custom<MaintenanceWindow[]>(),
  });
  const schema = z.strictObject({ ...baseShape, type: z.literal(spec.type), ...spec.fields }).transform((raw, ctx) => {
    // Split by key: the base's own keys go to resolveBase, the rest is the type's.
    const entries = Object.entries(raw as Record<string, unknown>);
    const own = Object.fromEntries(entries.filter(([k]) => !(k in baseShape) && k !== 'type'));
    const base = baseSchema.parse(Object.fromEntries(entries.filter(([k]) => k in baseShape)));
    const resolvedOwn = spec.resolve ? spec.resolve(own as Own<Shape>, ctx) : (own as Resolved);
    return { ...resolvedOwn, ...resolveBase(base, ctx, spec.defaults), type: spec.type };
  });
  return {
    type: spec.type,
    schema,
    phases: spec.phases,
    reasons: spec.reasons,
    metrics: spec.metrics ?? [],
    example: spec.example,
    probe: spec.probe,
    ...(spec.onResult ? { onResult: spec.onResult } : {}),
  };
}
