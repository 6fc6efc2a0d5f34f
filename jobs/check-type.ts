import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { AppConfig } from '../src/config/schema.js';
import type { Logger } from '../src/observability/logger.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import type { MaintenanceWindow } from './maintenance.js';
import type { AuditTrail } from '../src/audit/audit-trail.js';

/** Fields every check has, whatever its type (see DESIGN.md `checks:`). */
export interface CheckBase {
  name: string;
  type: string;
  /** How often it runs. */
  intervalMs: number;
  /** Per-attempt time budget. */
  timeoutMs: number;
  /** Consecutive failures before DOWN. */
  failureThreshold: number;
  /** Consecutive successes before UP again. */
  successThreshold: number;
  /** uptime (default) or dependency; only changes defaults and message wording. */
  kind?: 'uptime' | 'dependency';
  /** Reminder interval while DOWN; 0 = none. @defaultValue 1h */
  remindEveryMs?: number;
  /** This check's maintenance windows (see jobs/maintenance.ts). @defaultValue none */
  maintenance?: readonly MaintenanceWindow[];
}

/** Why a probe failed: a fixed set, used as a metric label (`alertworks_check_failures_total{reason}`). */
export type FailureReason = 'dns' | 'connect' | 'tls' | 'timeout' | 'http_status' | 'assertion' | 'other';

export type Phase = 'dns' | 'connect' | 'tls' | 'processing' | 'transfer';

/** The outcome of one probe run. */
export interface ProbeResult {
  success: boolean;
  /** Wall time of the whole probe. */
  durationSeconds: number;
  /** Per-phase timings that could be measured (blackbox exporter's phase names). */
  phases: Partial<Record<Phase, number>>;
  statusCode?: number;
  failureReason?: FailureReason;
  /** Human-readable, scrubbed of secrets. */
  error?: string;
  /** Type-specific facts (e.g. certificates of a TLS check) for onResult and the status page. */
  details?: Record<string, unknown>;
}

export interface ProbeContext {
  signal: AbortSignal;
  logger: Logger;
}

/** What a type-specific result hook may use (e.g. TLS expiry levels). */
export interface CheckResultContext {
  config: AppConfig;
  redis: Redis;
  threads: IncidentThreads;
  logger: Logger;
  /** Where decisions worth an audit record go (a certificate renewal). @defaultValue none */
  audit?: AuditTrail;
}

/**
 * One kind of scheduled check (http, tcp, dns, tls, ...). Adding a type is one file exporting
 * one of these and one line in jobs/registry.ts; its schema joins the config's `checks` union.
 */
export interface CheckType<C extends CheckBase = CheckBase> {
  readonly type: string;
  /** Parses one `checks:` entry of this type, applying its defaults. */
  readonly schema: z.ZodType<C>;
  probe(check: C, ctx: ProbeContext): Promise<ProbeResult>;
  /** Optional extra evaluation after each result (notifications beyond up/down). */
  onResult?(check: C, result: ProbeResult, ctx: CheckResultContext): Promise<void>;
}
