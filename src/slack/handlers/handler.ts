import type { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../../redis.js';
import type { AlertmanagerClient } from '../../alertmanager/client.js';
import type { ApprovalStore } from '../../approvals/approval-store.js';
import type { AppConfig } from '../../config/schema.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { ChatMessage, ChatNotifier } from '../../notify/notifier.js';
import type { IncidentThreads } from '../../notify/threads.js';
import type { Logger } from '../../observability/logger.js';
import type { Acknowledgements } from '../acknowledgements.js';
import type { ButtonKind, ButtonRecord, ButtonStore } from '../button-store.js';
import type { Click } from '../interaction-payload.js';
import type { InteractionAction, InteractionOutcome } from '../metrics.js';
import type { Approvers, SlackInteractionApi } from '../slack-api.js';

/** What click handlers share, built once per worker process. */
export interface InteractionContext {
  config: AppConfig;
  redis: Redis;
  threads: IncidentThreads;
  notifier: ChatNotifier;
  buttons: ButtonStore;
  approvals: ApprovalStore;
  acks: Acknowledgements;
  approvers: Approvers;
  slack: SlackInteractionApi;
  /** Absent without alertmanager.url: Silence buttons are then never issued. */
  alertmanager?: AlertmanagerClient;
  /** Where approvals and rejections are recorded (and, through its sinks, annotated in Grafana). */
  audit?: AuditTrail;
  /** Queue of an action by name (an approved action is queued again). */
  queue(name: string): Queue;
  logger: Logger;
}

/** What one click did: its metric outcome, a line for the thread, maybe a private answer. */
export interface ClickResult {
  outcome: InteractionOutcome;
  /** Written in the incident's thread (every click is, allowed or not). */
  thread: ChatMessage;
  /** Shown only to the clicking user. */
  ephemeral?: string;
}

/** One kind of button. Adding one = a file exporting this + a line in handlers/index.ts. */
export interface ClickHandler<K extends ButtonKind = ButtonKind> {
  readonly kind: K;
  /** Metric label (bounded). */
  readonly action: InteractionAction;
  handle(ctx: InteractionContext, record: Extract<ButtonRecord, { kind: K }>, click: Click, clickId: string): Promise<ClickResult>;
}

export function defineHandler<K extends ButtonKind>(handler: ClickHandler<K>): ClickHandler<K> {
  return handler;
}

/** How a Slack user is named in a thread: a mention (Slack renders the name) plus the name given. */
export function who(click: Click): string {
  return `<@${click.user.id}>`;
}

/** A Slack date that each reader sees in their own time zone. */
export function slackTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{date_short_pretty} {time}|${new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')}>`;
}
