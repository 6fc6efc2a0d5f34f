import type { AlertJobData } from '../action.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * One `received` record per newly stored alert job: who sent it (the Alertmanager receiver,
 * or Grafana's contact point) and the route it took. Deduplicated by the job id, so a re-send
 * that raced past the receiver's duplicate check writes nothing twice.
 */
export async function auditIntake(audit: AuditTrail, jobs: readonly { queue: string; data: AlertJobData }[]): Promise<void> {
  // All at once: ioredis pipelines them onto the connection (a payload can hold many alerts).
  await Promise.all(
    jobs.map(({ queue, data }) =>
      audit.record(
        {
          kind: 'received',
          action: 'receiver',
          route: queue,
          sender: data.receiver,
          summary: `${data.alert.labels.alertname ?? 'alert'} (${data.alert.status}) from ${data.receiver || 'unnamed receiver'} → ${queue}`,
          alertname: data.alert.labels.alertname,
          fingerprint: data.alert.fingerprint,
          details: { status: data.alert.status },
        },
        `${queue}:${data.dedupKey}:received`,
      ),
    ),
  );
}
