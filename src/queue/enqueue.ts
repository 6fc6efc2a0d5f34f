import { context, propagation } from '@opentelemetry/api';
import { dedupKey } from '../server/alertmanager-payload.js';
import type { IntakePayload } from '../server/webhook-payload.js';
import type { AlertJobData } from '../action.js';
import { alertsReceived } from '../observability/metrics.js';
import { runScript, withTimeout } from '../redis.js';
import { routeAlert, type CompiledRoute } from './routing.js';
import { occurrenceKeys, occurrenceOptions, type QueueSet } from './queues.js';
import type { Queue } from 'bullmq';
import type { Logger } from '../observability/logger.js';

/**
 * Jobs stored per round trip. A batch is stored in chunks, each given the whole enqueue
 * timeout: the timeout says "Redis does not answer", and 10,000 alerts in one request took
 * longer than 1.5 s to store although Redis was fine (they were all stored, and still 503).
 */
const STORE_CHUNK = 500;

export interface EnqueueOptions {
  /** Longest wait for Redis per chunk of STORE_CHUNK jobs before giving up (the receiver answers 503). */
  chunkTimeoutMs: number;
  /** Told about each newly stored job (not duplicates), after every one is stored: the audit trail. */
  onStored?: (jobs: readonly { queue: string; data: AlertJobData }[]) => void;
}

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
 * occurrence's dedup key, and a compact record of it is kept for the dedup window (longer than
 * the job), so a re-send (repeat_interval, an HA peer, a retry after 503) adds nothing.
 * Resolves only once every new job is stored.
 */
export async function enqueueAlerts(
  payload: Pick<IntakePayload, 'alerts' | 'receiver' | 'externalURL'> & { source?: IntakePayload['source']; receivedAt?: number },
  routes: readonly CompiledRoute[],
  queues: QueueSet,
  options: EnqueueOptions,
  logger?: Logger,
): Promise<EnqueueOutcome> {
  const alertnameLabel = alertnameLabels(routes);
  // LOG_LEVEL=debug: one line per alert saying which route took it (or none). Checked once, so
  // the hot path builds nothing at info level.
  const debug = logger?.isLevelEnabled('debug') ? logger : undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  // A body replayed from the spool keeps the time it arrived.
  const receivedAt = payload.receivedAt ?? Date.now();

  const byQueue = new Map<string, PlannedJob[]>();
  const seen = new Set<string>();
  let unrouted = 0;
  let duplicates = 0;
  const counted: { alertname: string; status: string; outcome: string }[] = [];

  for (const alert of payload.alerts) {
    const alertname = alertnameLabel(alert.labels.alertname);
    const match = routeAlert(routes, alert);
    debug?.debug(
      // The alert's own name (already bounded at the edge), not the metric's bounded label.
      {
        alertname: alert.labels.alertname,
        status: alert.status,
        fingerprint: alert.fingerprint.slice(0, 32),
        route: match?.index,
        action: match?.route.action,
      },
      match ? `route ${match.index} matched: queued for ${match.route.action}` : 'no route matched: acknowledged, nothing queued',
    );
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
      ...(payload.source === 'grafana' ? { source: 'grafana' as const } : {}),
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
      for (let start = 0; start < jobs.length; start += STORE_CHUNK) {
        const chunk = jobs.slice(start, start + STORE_CHUNK);
        const chunkStored = await withTimeout(storeChunk(queues, queue, name, chunk), options.chunkTimeoutMs, `storing ${chunk.length} jobs`);
        accepted += chunkStored.fresh.length;
        duplicates += chunkStored.known.length;
        for (const job of chunkStored.known)
          counted.push({ alertname: alertnameLabel(job.data.alert.labels.alertname), status: job.data.alert.status, outcome: 'duplicate' });
        for (const job of chunkStored.fresh)
          counted.push({ alertname: alertnameLabel(job.data.alert.labels.alertname), status: job.data.alert.status, outcome: 'queued' });
        stored.push(...chunkStored.fresh);
      }
    }),
  );
  // Count only once everything is stored, so a 503 does not count alerts as queued. One inc
  // per series, not per alert: a webhook of 50 alike alerts is one series.
  const series = new Map<string, { labels: (typeof counted)[number]; n: number }>();
  for (const c of counted) {
    const key = `${c.alertname}\u0000${c.status}\u0000${c.outcome}`;
    const entry = series.get(key);
    if (entry) entry.n++;
    else series.set(key, { labels: c, n: 1 });
  }
  for (const { labels, n } of series.values()) alertsReceived.inc(labels, n);
  if (options.onStored && stored.length > 0) options.onStored(stored);
  return { accepted, duplicates, unrouted };
}

/**
 * Stores the jobs of one chunk that are not stored yet; says which were new and which known.
 * Each job carries its dedup record (occurrenceOptions), written by the same script that stores
 * it, so two receivers racing with one occurrence still store one job. Which occurrences were
 * known is asked first with EXISTS on the record and the job.
 */
async function storeChunk(queues: QueueSet, queue: Queue, name: string, jobs: readonly PlannedJob[]): Promise<{ fresh: PlannedJob[]; known: PlannedJob[] }> {
  // Ask first, and send only the new ones: re-sends of a whole group are mostly duplicates,
  // and a round trip costs less than serializing them. (Sending the question and the add
  // together for one alert was measured: more receiver CPU per webhook under load, not less.)
  const known = await existing(queues, queue, jobs);
  const fresh: PlannedJob[] = [];
  const seen: PlannedJob[] = [];
  jobs.forEach((job, i) => (known[i] ? seen : fresh).push(job));
  if (fresh.length === 1 && fresh[0]) {
    // addBulk builds a MULTI pipeline (ioredis copies every script command onto it), which
    // made one-job stores 2.6x slower than add.
    await queue.add(name, fresh[0].data, occurrenceOptions(fresh[0].jobId, queues.dedupWindowMs));
  } else if (fresh.length > 1) {
    await queue.addBulk(fresh.map((j) => ({ name, data: j.data, opts: occurrenceOptions(j.jobId, queues.dedupWindowMs) })));
  }
  return { fresh, known: seen };
}

/**
 * Values of the `alertname` metric label: the alertnames that routes name by equality, every
 * other one `other`. A sender chooses alertnames; one series per name sent made 15,000 series
 * from 10,000 invented names. Cached per routes list (compiled once per app).
 */
const alertnameSets = new WeakMap<readonly CompiledRoute[], ReadonlySet<string>>();
function alertnameLabels(routes: readonly CompiledRoute[]): (name: string | undefined) => string {
  let names = alertnameSets.get(routes);
  if (!names) {
    names = new Set(routes.map((r) => r.route.match.alertname).filter((v): v is string => v !== undefined && !v.startsWith('=~')));
    alertnameSets.set(routes, names);
  }
  const known = names;
  return (name) => (name !== undefined && known.has(name) ? name : 'other');
}

/**
 * For each pair of keys (dedup record, job) in KEYS: 1 when either exists. One script call for
 * a whole chunk: a pipeline of EXISTS built one ioredis command object per job, and every
 * pipeline copies the connection's ~40 BullMQ script commands onto itself.
 */
const OCCURRENCES_KNOWN = `
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = redis.call('EXISTS', KEYS[i], KEYS[i + 1])
end
return out
`;

/** For each planned job, whether its occurrence is already stored (dedup record or job). */
async function existing(queues: QueueSet, queue: Queue, jobs: readonly PlannedJob[]): Promise<boolean[]> {
  const keys = jobs.flatMap((job) => occurrenceKeys(queue, job.jobId));
  const counts = (await runScript(queues.connection, 'occurrencesKnown', OCCURRENCES_KNOWN, keys.length, ...keys)) as number[];
  return jobs.map((_, i) => (counts[i] ?? 0) > 0);
}
