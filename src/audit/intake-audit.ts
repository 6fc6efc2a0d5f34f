import type { AlertJobData } from '../action.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * How long a `received` record's dedup id is kept. It only guards against webhooks racing
 * with the same alert (both asked "stored?" before either stored it): a later re-send is
 * already a duplicate at the receiver. Kept 7 days, these ids cost Redis more per alert than
 * the dedup record itself.
 */
const RECEIVED_DEDUP_TTL_SECONDS = 3_600;

/**
 * One `received` record per newly stored alert job: who sent it (the Alertmanager receiver,
 * or Grafana's contact point) and the route it took. Deduplicated by the job id, so a re-send
 * that raced past the receiver's duplicate check writes nothing twice.
 */
export async function auditIntake(audit: AuditTrail, jobs: readonly { queue: string; data: AlertJobData }[]): Promise<void> {
  // One call for the whole payload: one script run in Redis, not one per alert.
  await audit.recordMany(
    jobs.map(({ queue, data }) => ({
      input: {
        kind: 'received',
        action: 'receiver',
        route: queue,
        sender: data.receiver,
        summary: `${data.alert.labels.alertname ?? 'alert'} (${data.alert.status}) from ${data.receiver || 'unnamed receiver'} → ${queue}`,
        alertname: data.alert.labels.alertname,
        fingerprint: data.alert.fingerprint,
        details: { status: data.alert.status },
      },
      dedupId: `${queue}:${data.dedupKey}:received`,
    })),
    RECEIVED_DEDUP_TTL_SECONDS,
  );
}
