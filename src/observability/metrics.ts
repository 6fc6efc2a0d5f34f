import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's own registry, served at /metrics. Feature modules declare their metrics
 * with `registers: [registry]` beside their code; the ones every part shares live here.
 */
export const registry = new Registry();
// prom-client's default names already start with process_ or nodejs_, so the prefix is only
// `alertworks_` (before 0.2: `alertworks_process_`, which gave alertworks_process_process_*).
collectDefaultMetrics({ register: registry, prefix: 'alertworks_' });

export const httpRequests = new Counter({
  name: 'alertworks_http_requests_total',
  help: 'HTTP requests served, by route pattern and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'alertworks_http_request_duration_seconds',
  help: 'HTTP request duration, by route pattern.',
  labelNames: ['method', 'route'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const alertsReceived = new Counter({
  name: 'alertworks_alerts_received_total',
  help: 'Alerts received on the webhook, by outcome: queued, duplicate, unrouted, rejected.',
  labelNames: ['alertname', 'status', 'outcome'] as const,
  registers: [registry],
});

/** Why the receiver's edge refused a request: a closed set, so the label stays bounded. */
export const REJECTION_REASONS = [
  'missing_credentials',
  'invalid_credentials',
  'invalid_signature',
  'stale_signature',
  'body_too_large',
  'unsupported_media_type',
  'invalid_json',
  'too_deep',
  'invalid_payload',
  'cross_site',
  'read_only',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const webhookRejected = new Counter({
  name: 'alertworks_webhook_rejected_total',
  help: 'Requests refused at the receiver edge with a 4xx, by reason (credentials, signature, body too large or too deep, media type, JSON, payload, cross-site, read-only dashboard).',
  labelNames: ['reason'] as const,
  registers: [registry],
});
// Every reason exists from the start, so increase() and absent() see a series at 0.
for (const reason of REJECTION_REASONS) webhookRejected.inc({ reason }, 0);

export const jobsTotal = new Counter({
  name: 'alertworks_jobs_total',
  help: 'Jobs processed, by queue, action and outcome.',
  labelNames: ['queue', 'action', 'outcome'] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'alertworks_job_duration_seconds',
  help: 'Job processing time, by queue and action.',
  labelNames: ['queue', 'action'] as const,
  buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const notificationsTotal = new Counter({
  name: 'alertworks_notifications_total',
  help: 'Chat notifications, by notifier and outcome (sent, logged, failed, rate_limited).',
  labelNames: ['notifier', 'outcome'] as const,
  registers: [registry],
});

/** Queue depth by state; filled at scrape time by the queue module (see queue/queues.ts). */
export const queueJobs = new Gauge({
  name: 'alertworks_queue_jobs',
  help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed, prioritized).',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});

/** Keeps label values bounded and free of secrets: alert labels are untrusted input. */
export function labelValue(value: string | undefined, max = 64): string {
  if (!value) return '';
  const clean = value.replace(/[^\w.:/@-]/g, '_');
  return clean.length > max ? clean.slice(0, max) : clean;
}
