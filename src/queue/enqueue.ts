import { context, propagation } from '@opentelemetry/api';
import type { AlertmanagerPayload } from '../server/alertmanager-payload.js';
import { dedupKey } from '../server/alertmanager-payload.js';
import type { AlertJobData } from '../../workers/action.js';
import { alertsReceived, labelValue } from '../observability/metrics.js';
import { routeAlert, type CompiledRoute } from './routing.js';
import type { QueueSet } from './queues.js';
import type { Queue } from 'bullmq';

export interface EnqueueOutcome {
  accepted: number;
  duplicates: number;
  unrouted: number;
}

interface PlannedJob {
  queue: string;
  jobId: string;
  data: AlertJobData;
}

/**
 * Fans a payload out into one job per routed alert and stores them. The job id is the alert
 * occurrence's dedup key, so a re-send (repeat_interval, an HA peer, a retry after 503) finds
 * the job already there and adds nothing. Resolves only once every new job is stored.
 */
export async function enqueueAlerts(
  payload: AlertmanagerPayload,
  routes: readonly CompiledRoute[],
  queues: QueueSet,
  /** Told about each newly stored job (not duplicates), after every one is stored: the audit trail. */
  onStored?: (jobs: readonly { queue: string; data: AlertJobData }[]) => void,
): Promise<EnqueueOutcome> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const receivedAt = Date.now();

  const byQueue = new Map<string, PlannedJob[]>();
  const seen = new Set<string>();
  let unrouted = 0;
  let duplicates = 0;
  const counted: { alertname: string; status: string; outcome: string }[] = [];

  for (const alert of payload.alerts) {
    const alertname = labelValue(alert.labels.alertname);
    const match = routeAlert(routes, alert);
    if (!match) {
      unrouted++;
      counted.push({ alertname, status: alert.status, outcome: 'unrouted' });
      continue;
    }
    const queue = match.route.action;
    const jobId = dedupKey(alert);
    if (seen.has(`${queue}/${jobId}`)) {
      duplicates++;
      counted.push({ alertname, status: alert.status, outcome: 'duplicate' });
      continue;
    }
    seen.add(`${queue}/${jobId}`);
    const data: AlertJobData = {
      alert,
      receiver: payload.receiver,
      externalURL: payload.externalURL,
      dedupKey: jobId,
      receivedAt,
      ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
      ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
    };
    const list = byQueue.get(queue) ?? [];
    list.push({ queue, jobId, data });
    byQueue.set(queue, list);
  }

  let accepted = 0;
  const stored: PlannedJob[] = [];
  await Promise.all(
    [...byQueue].map(async ([name, jobs]) => {
      const queue = queues.get(name);
      // Which of these occurrences are already stored (pending, running or finished)?
      const results = await existing(queues, queue, jobs);
      const fresh: PlannedJob[] = [];
      jobs.forEach((job, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        if (err) throw err;
        const alertname = labelValue(job.data.alert.labels.alertname);
        if (exists === 1) {
          duplicates++;
          counted.push({ alertname, status: job.data.alert.status, outcome: 'duplicate' });
        } else {
          fresh.push(job);
          counted.push({ alertname, status: job.data.alert.status, outcome: 'queued' });
        }
      });
      if (fresh.length > 0) {
        // Same id twice (two receivers racing) is a no-op in BullMQ: still one job.
        // One job: add, not addBulk — addBulk builds a MULTI pipeline (ioredis copies every
        // script command onto it), which made single-alert webhooks 2.6x slower than add.
        const [only] = fresh;
        if (fresh.length === 1 && only) await queue.add(name, only.data, { jobId: only.jobId });
        else await queue.addBulk(fresh.map((j) => ({ name, data: j.data, opts: { jobId: j.jobId } })));
        accepted += fresh.length;
        stored.push(...fresh);
      }
    }),
  );
  // Count only once everything is stored, so a 503 does not count alerts as queued.
  for (const c of counted) alertsReceived.inc(c);
  if (onStored && stored.length > 0) onStored(stored);
  return { accepted, duplicates, unrouted };
}

/** EXISTS for each planned job; a plain command for one job, a pipeline for several. */
async function existing(queues: QueueSet, queue: Queue, jobs: readonly PlannedJob[]): Promise<[Error | null, unknown][]> {
  const [only] = jobs;
  if (jobs.length === 1 && only) return [[null, await queues.connection.exists(queue.toKey(only.jobId))]];
  const pipeline = queues.connection.pipeline();
  for (const job of jobs) pipeline.exists(queue.toKey(job.jobId));
  return (await pipeline.exec()) ?? [];
}
