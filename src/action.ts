import type { Job } from 'bullmq';
import type { RedisClient } from '../src/redis.js';
import type { z } from 'zod';
import type { AppConfig, RouteConfig } from '../src/config/schema.js';
import type { Logger } from '../src/observability/logger.js';
import type { ChatNotifier } from '../src/notify/notifier.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import type { Alert } from '../src/server/alertmanager-payload.js';

/** What the receiver stores for one routed alert occurrence. */
export interface AlertJobData {
  alert: Alert;
  /** Alertmanager receiver name and external URL, for links in messages. */
  receiver: string;
  externalURL?: string;
  /** Set for Grafana's webhook contact point; absent for Alertmanager. */
  source?: 'grafana';
  /** fingerprint + startsAt + status, hashed: the idempotency key of this occurrence. */
  dedupKey: string;
  receivedAt: number;
  /** W3C trace context of the webhook request, so the job's spans join its trace. */
  traceparent?: string;
  tracestate?: string;
  /** Set when an approved action is queued again (src/approvals): the approval it runs under. */
  approvalId?: string;
}

export type AlertJob = Job<AlertJobData, ActionResult, string>;

/** What a job ends with; `outcome` becomes the `outcome` label of alertworks_jobs_total. */
export interface ActionResult {
  outcome: string;
  [detail: string]: unknown;
}

/**
 * Top-level config sections that hold an action's credentials for outside systems, by key
 * (`hetzner: hetznerCredentialsSchema`). Their fields carry their own marks (config/field-marks.ts):
 * `secret(...)` registers a value for redaction, `env` names the variable that overrides it.
 * Several actions may name one section, with the same schema.
 */
export type CredentialSchemas = Readonly<Record<string, z.ZodType>>;

/** The parsed credential sections an action named. */
export type CredentialsOf<C extends CredentialSchemas> = { readonly [K in keyof C]: z.output<C[K]> };

/** Everything an action may use, built once per worker process. */
export interface ActionRuntime<Settings, Credentials extends CredentialSchemas = CredentialSchemas> {
  config: AppConfig;
  /** This action's own config section, parsed with its schema (defaults applied). */
  settings: Settings;
  /** The credential sections this action named, parsed (defaults applied). */
  credentials: CredentialsOf<Credentials>;
  redis: RedisClient;
  notifier: ChatNotifier;
  threads: IncidentThreads;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export type ActionProcessor = (job: AlertJob) => Promise<ActionResult>;

/**
 * One unit of alert-driven work. Adding an action is one file exporting one of these and
 * one line in actions/registry.ts; its config section, its credentials (with their
 * environment variables and redaction) and its default routes come with it.
 */
export interface Action<Settings = unknown, Key extends string = string, Credentials extends CredentialSchemas = CredentialSchemas> {
  /** Route target and BullMQ queue name (kebab-case). */
  readonly name: string;
  readonly description: string;
  /** A top-level config section owned by this action, e.g. `volumeResize`. */
  readonly settings?: { readonly key: Key; readonly schema: z.ZodType<Settings> };
  /** Credential sections this action uses, e.g. `{ hetzner: hetznerCredentialsSchema }`. */
  readonly credentials?: Credentials;
  /** Routes used when the config has no `routes` of its own. */
  readonly defaultRoutes?: readonly Omit<RouteConfig, 'action'>[];
  /** Jobs run at once per worker process. @defaultValue config.jobs.concurrency */
  readonly concurrency?: number;
  /**
   * Its successful outcomes are routine (one per alert, like a chat post): their audit records
   * go to the routine stream, so a storm of them cannot push decisions out of the trail. Its
   * failures are recorded with the decisions. @defaultValue false
   */
  readonly routineOutcomes?: boolean;
  create(runtime: ActionRuntime<Settings, Credentials>): ActionProcessor | Promise<ActionProcessor>;
}

/** Keeps the Settings, section key and credential types, from which the config type is derived. */
export function defineAction<Settings, Key extends string = never, Credentials extends CredentialSchemas = Record<never, z.ZodType>>(
  action: Action<Settings, Key, Credentials>,
): Action<Settings, Key, Credentials> {
  return action;
}

/** The top-level config sections one action owns: its settings (by key) and its credentials. */
export type SectionsOf<A> =
  A extends Action<infer Settings, infer Key, infer Credentials> ? { readonly [K in Key]: Settings } & CredentialsOf<Credentials> : never;
