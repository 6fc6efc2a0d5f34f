import type { ApprovalRequest } from '../../approvals/approval-store.js';
import type { Click } from '../interaction-payload.js';
import { defineHandler, type ClickResult, type InteractionContext, who } from './handler.js';

/** Approve: the waiting action is queued again, and re-checks every guard before it acts. */
export const approveHandler = defineHandler({
  kind: 'approve',
  action: 'approve',
  async handle(ctx, record, click) {
    return decide(ctx, record.approvalId, click, 'approved');
  },
});

/** Reject: nothing is done. */
export const rejectHandler = defineHandler({
  kind: 'reject',
  action: 'reject',
  async handle(ctx, record, click) {
    return decide(ctx, record.approvalId, click, 'rejected');
  },
});

async function decide(ctx: InteractionContext, approvalId: string, click: Click, to: 'approved' | 'rejected'): Promise<ClickResult> {
  const verb = to === 'approved' ? 'approve' : 'reject';
  const request = await ctx.approvals.get(approvalId);
  if (!request) {
    return {
      outcome: 'expired',
      thread: { text: `:hourglass: ${who(click)} tried to ${verb}, but this approval request no longer exists. Nothing was done.` },
      ephemeral: 'This approval request no longer exists.',
    };
  }
  if (!(await ctx.approvers.allows(click.user.id))) {
    return {
      outcome: 'not_allowed',
      thread: { text: `:no_entry: ${who(click)} tried to ${verb} (${request.summary}) but is not among \`slack.approvers\`. Nothing was done.` },
      ephemeral: `You are not allowed to ${verb} this: only the users and groups in slack.approvers are.`,
    };
  }
  if (Date.now() >= request.expiresAt && (await ctx.approvals.decide(request, 'expired'))) {
    return {
      outcome: 'expired',
      thread: { text: `:hourglass: ${who(click)} tried to ${verb}, but the approval had expired. Nothing was done.` },
      ephemeral: 'This approval has expired.',
    };
  }
  if (await ctx.approvals.decide(request, to, click.user)) {
    if (to === 'approved') await requeue(ctx, request);
    await recordDecision(ctx, request, click, to);
    return {
      outcome: 'done',
      thread: {
        text:
          to === 'approved'
            ? `:white_check_mark: Approved by ${who(click)}: ${request.summary}. Every guard is checked again before it runs.`
            : `:no_entry_sign: Rejected by ${who(click)}: ${request.summary}. Nothing was done.`,
      },
    };
  }
  const decision = await ctx.approvals.decision(request.id);
  // A retried click job (or a click racing its own retry) must still get the approved work queued.
  if (decision.state === 'approved' && to === 'approved' && decision.by?.id === click.user.id) await requeue(ctx, request);
  const by = decision.by?.id ? ` by <@${decision.by.id}>` : '';
  return {
    outcome: 'already_decided',
    thread: { text: `:information_source: ${who(click)} clicked ${verb}, but this was already ${decision.state}${by}. Nothing more was done.` },
    ephemeral: `Already ${decision.state}${by}.`,
  };
}

/** Same job id for every approval: two approvals, or a retried one, queue one job. */
async function requeue(ctx: InteractionContext, request: ApprovalRequest): Promise<void> {
  await ctx.queue(request.action).add(request.action, { ...request.job, approvalId: request.id }, { jobId: `approved-${request.id}` });
}

/** One audit record per decision, with who made it; a failed record never undoes the decision. */
async function recordDecision(ctx: InteractionContext, request: ApprovalRequest, click: Click, to: 'approved' | 'rejected'): Promise<void> {
  await ctx.audit
    ?.record(
      {
        kind: to,
        action: request.action,
        resource: request.scope.replace(':', ' '),
        summary: `${request.action}: ${to} by ${click.user.name || click.user.id}: ${request.summary}`,
        actor: click.user.name ? `${click.user.name} (${click.user.id})` : click.user.id,
        alertname: request.job.alert.labels.alertname,
        fingerprint: request.job.alert.fingerprint,
        details: { toGb: request.toGb },
      },
      `approval:${request.id}:${to}`,
    )
    .catch((err: unknown) => ctx.logger.warn({ err, approval: request.id }, 'audit: could not record the approval decision'));
}
