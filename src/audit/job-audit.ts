import type { ActionResult, AlertJob } from '../action.js';
import type { AuditTrail } from './audit-trail.js';
import { kindOfOutcome } from './kinds.js';
import type { AuditLinks, AuditRecord } from './record.js';

/** Result fields that are links or identify the resource, not details. */
const LINK_FIELDS: Record<string, keyof AuditLinks> = { actionId: 'hetznerAction', pr: 'pr', workflowRun: 'workflowRun', slackThread: 'slackThread' };
const NOT_DETAILS = new Set(['outcome', 'volume', 'certificate', ...Object.keys(LINK_FIELDS)]);

export interface JobAuditInfo {
  action: string;
  job: AlertJob;
  /** The job's result, or why it failed for good. */
  result?: ActionResult;
  failure?: { code: string; message: string };
  /**
   * How long the record's guard key lives: as long as the job is kept in its final state
   * (jobs.keepCompleted / jobs.keepFailed), since only a kept job can run again. Kept 7 days
   * for every job, these keys cost Redis nearly as much per alert as the dedup record.
   * @defaultValue the audit trail's 7 days
   */
  guardTtlSeconds?: number;
  /** The action's successful outcomes are routine (Action.routineOutcomes): recorded in the routine stream. */
  routine?: boolean;
}

/** What a job's result is about: its volume or certificate. */
function resourceOf(result: ActionResult | undefined): string | undefined {
  if (!result) return undefined;
  // A volume id, or (refused, unidentified) a description that already says "volume ...".
  if (typeof result.volume === 'number' || typeof result.volume === 'string')
    return /^volume\b/.test(String(result.volume)) ? String(result.volume) : `volume ${result.volume}`;
  if (typeof result.certificate === 'string') return result.certificate;
  return undefined;
}

/**
 * The audit records of one finished job: its outcome (one record, deduplicated by job id and
 * kind, so a retried job writes none twice) and, for a resize that opened a drift PR, that PR.
 */
export async function auditJob(audit: AuditTrail, info: JobAuditInfo): Promise<void> {
  const { job, result, failure } = info;
  const alert = job.data.alert;
  const links: AuditLinks = {};
  const details: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(result ?? {})) {
    const link = LINK_FIELDS[key];
    if (link && value !== undefined && value !== null) links[link] = String(value);
    else if (!NOT_DETAILS.has(key) && ['string', 'number', 'boolean'].includes(typeof value)) details[key] = value as string | number | boolean;
  }
  const outcome = result?.outcome ?? 'failed';
  const kind = failure ? 'failed' : kindOfOutcome(outcome);
  const resource = resourceOf(result);
  const sizes = typeof details.fromGb === 'number' && typeof details.toGb === 'number' ? ` ${details.fromGb} → ${details.toGb} GB` : '';
  const base: AuditRecord = {
    kind,
    action: info.action,
    resource,
    summary: failure
      ? `${info.action} failed: ${failure.code}: ${failure.message}`
      : `${info.action}: ${outcome.replace(/_/g, ' ')}${resource ? ` (${resource})` : ''}${sizes}`,
    sender: job.data.receiver,
    route: info.action,
    outcome: kind === 'other' ? outcome : undefined,
    alertname: alert.labels.alertname,
    fingerprint: alert.fingerprint,
    links,
    details,
  };
  await audit.record(base, `${job.id}:${kind}`, info.guardTtlSeconds, { routine: info.routine === true && !failure });
  if (links.pr) {
    await audit.record(
      {
        ...base,
        kind: 'drift_pr',
        summary: `${info.action}: drift PR for ${resource ?? 'the resource'}${sizes}`,
        links: { pr: links.pr, slackThread: links.slackThread },
      },
      `${job.id}:drift_pr`,
      info.guardTtlSeconds,
    );
  }
}
