import { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../../src/redis.js';
import { AlertmanagerClient } from '../../src/alertmanager/client.js';
import { suppressionOf } from '../../src/alertmanager/suppression.js';
import { scheduleExpiry } from '../../src/approvals/approval-expiry.js';
import { ApprovalStore } from '../../src/approvals/approval-store.js';
import type { AppConfig } from '../../src/config/schema.js';
import { RetryLaterError } from '../../src/errors.js';
import type { IncidentThreads } from '../../src/notify/threads.js';
import type { Logger } from '../../src/observability/logger.js';
import { defaultJobOptions } from '../../src/queue/queues.js';
import { IncidentControls } from '../../src/slack/incident-controls.js';
import { INTERACTIONS_QUEUE } from '../../src/slack/interaction-intake.js';
import type { ActionResult } from '../../src/action.js';
import { describeApprovalPolicy, needsApproval } from './approval-policy.js';
import type { VolumeJob } from './context.js';
import * as text from './guard-messages.js';
import { volumeResizeTotal } from './metrics.js';

/**
 * Checks around a resize that can hold it back: Alertmanager silences and Slack approvals. Each
 * call says what it decided in `threads`, the job's own threads: a guard's message may be the
 * one that opens the alert's thread, and it carries the alert's context and buttons like every
 * other message of the job.
 */
export interface ResizeGuards {
  /** Before the volume is even read: is the alert silenced, inhibited or muted? */
  beforeAction(v: VolumeJob, threads: IncidentThreads): Promise<ActionResult | undefined>;
  /** After planning, before the budget is touched: must this resize wait for an approval? */
  beforeResize(v: VolumeJob, plan: { fromGb: number; toGb: number }, threads: IncidentThreads): Promise<ActionResult | undefined>;
  /** The alert resolved: a resize waiting for approval is cancelled. */
  onResolved(v: VolumeJob, threads: IncidentThreads): Promise<void>;
  close(): Promise<void>;
}

/** How long a silence check that Alertmanager could not answer waits before the job retries (`onUnreachable: wait`). */
const UNREACHABLE_RETRY_MS = 30_000;

export function createResizeGuards(deps: { config: AppConfig; redis: Redis; logger: Logger }): ResizeGuards {
  const { config, redis, logger } = deps;
  const am = config.alertmanager;
  const client = am.url ? new AlertmanagerClient({ url: am.url, apiPrefix: am.apiPrefix, token: am.token, timeoutMs: am.timeout }) : undefined;
  const approvals = new ApprovalStore(redis, config.redis.prefix);
  const controls = IncidentControls.fromConfig(config, redis);
  let expiries: Queue | undefined;
  const expiryQueue = () =>
    (expiries ??= new Queue(INTERACTIONS_QUEUE, {
      connection: redis,
      prefix: config.redis.prefix,
      defaultJobOptions: defaultJobOptions(config),
      skipWaitingForReady: true,
    }));
  const scope = (v: VolumeJob) => `volume:${v.id}`;

  return {
    async beforeAction(v, threads) {
      if (!client) return undefined;
      const s = await suppressionOf(client, v.labels);
      if (s.kind === 'suppressed') {
        volumeResizeTotal.inc({ volume: v.label, outcome: 'silenced' });
        logger.info(
          { volume: v.id, silencedBy: s.silencedBy, inhibitedBy: s.inhibitedBy, mutedBy: s.mutedBy },
          'alert is suppressed in Alertmanager: nothing done',
        );
        await threads.say(v.incident, text.silencedMessage({ id: v.id, name: v.name }, s), { step: `silenced:${v.dedupKey}` });
        return { outcome: 'silenced', volume: v.id, silencedBy: s.silencedBy, inhibitedBy: s.inhibitedBy, mutedBy: s.mutedBy };
      }
      if (s.kind === 'unreachable') {
        if (am.onUnreachable === 'wait')
          throw new RetryLaterError(`cannot ask Alertmanager about silences (${s.code})`, 'alertmanager_unreachable', UNREACHABLE_RETRY_MS);
        logger.warn({ volume: v.id, code: s.code }, 'silence check could not be made: acting anyway');
        await threads.say(v.incident, text.silenceCheckFailedMessage({ id: v.id, name: v.name }, s.code), { step: `silence-check:${v.dedupKey}` });
      }
      return undefined;
    },

    async beforeResize(v, plan, threads) {
      const approvalId = v.data.approvalId;
      if (approvalId) {
        const [request, decision] = [await approvals.get(approvalId), await approvals.decision(approvalId)];
        if (request && decision.state === 'approved' && request.scope === scope(v) && plan.toGb <= request.toGb) return undefined;
        if (decision.state !== 'approved' || !request) return { outcome: 'not_approved', volume: v.id, approval: decision.state };
        // Approved for less than the volume now needs: ask again for the new plan.
      }
      if (!needsApproval(v.policy.approval, plan.toGb)) return undefined;
      const names = { id: v.id, name: v.name };
      if (!controls) {
        volumeResizeTotal.inc({ volume: v.label, outcome: 'refused' });
        await threads.say(v.incident, text.approvalNeedsSlackMessage(names, plan.toGb), { step: `approval-unavailable:${v.dedupKey}` });
        return { outcome: 'refused', volume: v.id, reason: 'approval needs Slack interactivity' };
      }
      const now = Date.now();
      const request =
        (await approvals.pendingFor(scope(v))) ??
        (await approvals.create({
          action: 'volume-resize',
          scope: scope(v),
          incident: v.incident,
          summary: `growing volume \`${v.name}\` (${v.id}) from ${plan.fromGb} GB to ${plan.toGb} GB`,
          toGb: plan.toGb,
          job: { ...v.data, approvalId: undefined },
          requestedAt: now,
          expiresAt: now + v.policy.approvalTimeoutMs,
        }));
      // Stored before the request is posted: whatever the button shows, its expiry is in Redis.
      await scheduleExpiry(expiryQueue(), request, now);
      const step = `approval:${request.id}`;
      // A retried job whose request was stored but not yet posted posts it now; buttons only then.
      if (!(await threads.hasSaid(v.incident, step))) {
        volumeResizeTotal.inc({ volume: v.label, outcome: 'awaiting_approval' });
        const message = text.approvalRequestMessage(
          names,
          plan.fromGb,
          request.toGb,
          describeApprovalPolicy(v.policy.approval),
          request.expiresAt - request.requestedAt,
        );
        await threads.say(v.incident, await controls.approvalMessage(v.incident, request.id, request.expiresAt - now + 86_400_000, v.labels, message), {
          step,
        });
      }
      return { outcome: 'awaiting_approval', volume: v.id, approval: request.id, toGb: request.toGb };
    },

    async onResolved(v, threads) {
      const pending = await approvals.pendingFor(scope(v));
      if (pending && (await approvals.decide(pending, 'cancelled'))) {
        await threads.say(v.incident, text.approvalCancelledMessage(pending.summary), { step: `approval-cancelled:${pending.id}` });
      }
    },

    async close() {
      await expiries?.close();
    },
  };
}
