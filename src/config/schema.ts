import { z } from 'zod';
import { durationMs } from './duration.js';
import { fromEnv, parseBool, parseList, secret } from './field-marks.js';
import { rejectionLogIntervalSchema, spoolSchema, webhookHmacSchema } from './intake-schema.js';
import { redisSchema } from './redis-schema.js';
import type { CheckRunnerSettings } from '../../checks/check-runner-settings.js';
import type { ActionSections } from '../../actions/registry.js';
import { alertmanagerSchema } from '../alertmanager/settings.js';
import { requireInteractivitySecret, slackInteractionFields } from '../slack/settings.js';

const MiB = 1024 * 1024;

/** A label matcher value: equality, or `=~` followed by an anchored regular expression. */
const matcherValue = z.string().superRefine((value, ctx) => {
  if (!value.startsWith('=~')) return;
  try {
    new RegExp(`^(?:${value.slice(2)})$`);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

export const routeSchema = z.strictObject({
  /** Alert labels to match; all must match. */
  match: z.record(z.string(), matcherValue).refine((m) => Object.keys(m).length > 0, 'needs at least one label'),
  /** Which alert states this route takes. @defaultValue firing */
  status: z.enum(['firing', 'resolved', 'any']).default('firing'),
  action: z.string().min(1),
});
export type RouteConfig = z.infer<typeof routeSchema>;

const basicUser = z.strictObject({ username: z.string().min(1), password: secret(z.string().min(8, 'must be at least 8 characters')) });

const serverSchema = z.strictObject({
  port: fromEnv(z.coerce.number().int().min(0).max(65535).default(8080), 'PORT'),
  host: fromEnv(z.string().default('0.0.0.0'), 'HOST'),
  /** Larger webhook bodies get 413. @defaultValue 5 MiB */
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(5 * MiB),
  auth: z
    .strictObject({
      /** Several tokens may be valid at once, for rotation. Empty strings are ignored. */
      bearerTokens: secret(
        z
          .array(z.string())
          .default([])
          .transform((t) => t.filter((x) => x.length > 0)),
        { env: 'WEBHOOK_TOKEN', parse: parseList },
      ),
      basic: z.array(basicUser).default([]),
      /** Grafana's HMAC request signing, beside bearer/basic (config/intake-schema.ts). */
      hmac: webhookHmacSchema,
    })
    .refine((a) => a.bearerTokens.every((t) => t.length >= 16), { message: 'bearer tokens must be at least 16 characters', path: ['bearerTokens'] })
    .prefault({}),
  /**
   * Max time the receiver waits for Redis to store one chunk of 500 jobs before answering 503
   * (a large batch is stored chunk by chunk, each with this budget). @defaultValue 1500ms
   */
  enqueueTimeout: durationMs.default(1500),
  /**
   * Longest time a client may take to send a request's headers; slower ones get 408 and are
   * disconnected (slowloris). Alertmanager sends its headers at once. @defaultValue 10s
   */
  headersTimeout: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
  /** Longest time a client may take to send a whole request, body included (408 after it). @defaultValue 30s */
  requestTimeout: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(30_000),
  /**
   * Open connections at most; more are closed at once (Alertmanager retries them). A few
   * Alertmanager replicas and operators' browsers need tens. @defaultValue 256
   */
  maxConnections: z.number().int().min(1).max(65_536).default(256),
  /** Webhook bodies kept on disk while Redis is away (config/intake-schema.ts). */
  spool: spoolSchema,
  /** Refused webhooks are logged once per reason per this interval, with a count. @defaultValue 60s */
  rejectionLogInterval: rejectionLogIntervalSchema,
  /** Browser sessions of the operator pages (POST /login with the webhook token). */
  session: z
    .strictObject({
      /** How long a login lasts. @defaultValue 12h */
      ttl: durationMs.refine((ms) => ms >= 60_000, 'must be at least 1m').default(12 * 3_600_000),
      /**
       * The cookie's Secure attribute: `auto` sets it when the request came over https (directly
       * or as X-Forwarded-Proto from a TLS proxy); true always; false never. @defaultValue auto
       */
      secureCookie: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    })
    .prefault({}),
});

/** The operator pages (/status, /admin/queues). */
const uiSchema = z.strictObject({
  queueDashboard: z
    .strictObject({
      /**
       * Let /admin/queues retry, promote, remove, clean, pause and add jobs. Off, the dashboard
       * only shows the queues: a job added there skips the receiver's schema and dedup.
       * @defaultValue false
       */
      allowActions: z.boolean().default(false),
    })
    .prefault({}),
});

const jobsSchema = z
  .strictObject({
    /** Attempts for a job that fails with a transient error. @defaultValue 10 */
    attempts: z.number().int().min(1).max(100).default(10),
    /** First backoff delay; doubles each attempt, with jitter. @defaultValue 2s */
    backoff: durationMs.default(2000),
    /** Jobs run at once per worker process and queue. @defaultValue 8 */
    concurrency: z.number().int().min(1).max(1000).default(8),
    /**
     * How long an alert occurrence is remembered after it arrives: re-sends of it inside this
     * window are duplicates. Remembered by a compact record (~190 bytes of Redis), not by the whole job.
     * @defaultValue 7d
     */
    dedupWindow: durationMs.default(7 * 86_400_000),
    /** How long a completed job (its data and result) is kept, for the dashboard and `alertworks queues`. @defaultValue 24h */
    keepCompleted: durationMs.default(86_400_000),
    /** How long a job that failed for good is kept, for inspection and retry from the dashboard. @defaultValue 7d */
    keepFailed: durationMs.default(7 * 86_400_000),
    /** On SIGTERM, how long active jobs may take to finish. @defaultValue 30s */
    shutdownTimeout: durationMs.default(30_000),
    /** How often a `work` replica sends itself a canary job (worker liveness, docs/scaling.md). @defaultValue 10s */
    livenessInterval: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /** A canary not picked up within this long marks the workers not live and recreates them. @defaultValue 60s */
    livenessTimeout: durationMs.default(60_000),
  })
  .refine((j) => j.livenessTimeout > j.livenessInterval, { message: 'must be longer than jobs.livenessInterval', path: ['livenessTimeout'] });

/** Pushgateway reporting (docs/observability.md). Without a url nothing is pushed. */
const pushgatewaySchema = z.strictObject({
  /** Base URL, e.g. http://pushgateway:9091. Env: PUSHGATEWAY_URL. */
  url: fromEnv(
    z
      .union([z.literal(''), z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL, e.g. http://pushgateway:9091')])
      .optional()
      .transform((v) => v || undefined),
    'PUSHGATEWAY_URL',
  ),
  /** The `instance` grouping label. @defaultValue the host name */
  instance: z.string().min(1).optional(),
  /** How often queue sizes are read and every group is pushed. @defaultValue 30s */
  interval: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(30_000),
  /** Per-push time budget; a slower Pushgateway counts as a failed push. @defaultValue 5s */
  timeout: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(5_000),
  /** A group is pushed at most once per this window after jobs finish (trailing). @defaultValue 1s */
  minPushInterval: durationMs.default(1_000),
});

export const coreSchema = z.strictObject({
  server: serverSchema.prefault({}),
  redis: redisSchema.prefault({}),
  slack: z
    .strictObject({
      channel: fromEnv(z.string().default('#ops'), 'SLACK_CHANNEL'),
      token: secret(z.string().optional(), { env: 'SLACK_BOT_TOKEN' }),
      apiUrl: fromEnv(z.string().url().optional(), 'SLACK_API_URL'),
      ...slackInteractionFields,
    })
    .superRefine(requireInteractivitySecret)
    .prefault({}),
  alertmanager: alertmanagerSchema,
  /** Grafana annotations for actions (docs/history-and-audit.md). Without url and token nothing is posted. */
  grafana: z
    .strictObject({
      /** Base URL, e.g. https://grafana.example.com. Env: GRAFANA_URL. */
      url: fromEnv(
        z
          .union([z.literal(''), z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL, e.g. https://grafana.example.com')])
          .optional()
          .transform((v) => v || undefined),
        'GRAFANA_URL',
      ),
      /** Service-account token with the annotations:write permission. Env: GRAFANA_TOKEN. */
      token: secret(z.string().optional(), { env: 'GRAFANA_TOKEN' }),
      /** Per-request time budget. @defaultValue 5s */
      timeout: durationMs.default(5_000),
    })
    .prefault({}),
  /** Audit trail: records kept in each of its two capped streams (approximate, XADD MAXLEN ~). */
  audit: z
    .strictObject({
      /** Decisions kept (resizes, approvals, refusals, failures...): one capped stream. */
      maxRecords: z.number().int().min(100).max(1_000_000).default(10_000),
      /** Routine records kept (each alert received, each chat post), in a stream of their own. */
      maxRoutineRecords: z.number().int().min(100).max(1_000_000).default(10_000),
    })
    .prefault({}),
  /** Decide and report, change nothing outside. */
  dryRun: fromEnv(z.boolean().default(false), 'DRY_RUN', parseBool),
  jobs: jobsSchema.prefault({}),
  pushgateway: pushgatewaySchema.prefault({}),
  ui: uiSchema.prefault({}),
  /** First match wins; unmatched alerts are counted and acknowledged. Absent: the actions' default routes. */
  routes: z.array(routeSchema).optional(),
});

export type CoreConfig = z.infer<typeof coreSchema>;

export interface AppConfig extends CoreConfig {
  routes: RouteConfig[];
  /** The sections the registered actions own (settings and credentials), parsed by their schemas, by key. */
  sections: ActionSections;
  /** Checks, parsed by their type's schema. */
  checks: readonly (Record<string, unknown> & { name: string; type: string; intervalMs: number })[];
  /** How checks run: concurrency, canary, global maintenance windows (checks/check-runner-settings.ts). */
  checkRunner: CheckRunnerSettings;
  /** Where the config came from, for messages. */
  source: string;
  /**
   * Where `dryRun` was decided, for messages ("DRY_RUN=true in the environment",
   * "dryRun: true in config/alertworks.yaml", "the default (dryRun: false)"). Precedence:
   * DRY_RUN in the environment, then the file's `dryRun`, then false.
   */
  dryRunSource?: string;
}
