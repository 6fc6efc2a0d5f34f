import type { AlertJobData } from '../../workers/action.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * One `received` record per newly stored alert job: who sent it (the Alertmanager receiver,
 * or Grafana's contact point) and the route it took. Deduplicated by the job id, so a re-send
 * that raced past the receiver's duplicate check writes nothing twice.
 */
export async function auditIntake(audit: AuditTrail, jobs: readonly { queue: string; data: AlertJobData }[]): Promise<void> {
  for (const { queue, data } of jobs) {
    const { alert } = data;
    const name = alert.labels.alertname ?? 'alert';
    await audit.record(
      {
        kind: 'received',
        action: 'receiver',
        route: queue,
        sender: data.receiver,
        summary: `${name} (${alert.status}) from ${data.receiver || 'unnamed receiver'} → ${queue}`,
        alertname: alert.labels.alertname,
        fingerprint: alert.fingerprint,
        details: { status: alert.status },
      },
      `${queue}:${data.dedupKey}:received`,
    );
  }
}
