import type { Context, Hono } from 'hono';
import { trace } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { alertsReceived } from '../observability/metrics.js';
import { enqueueAlerts } from '../queue/enqueue.js';
import type { QueueSet } from '../queue/queues.js';
import type { CompiledRoute } from '../queue/routing.js';
import type { SpoolEntry, WebhookSpool } from '../queue/spool.js';
import { SpoolReplayer } from '../queue/spool-replay.js';
import { withTimeout } from '../redis.js';
import { declaredBodyLimit } from './body-limit.js';
import { checkSignature, webhookCredentials } from './webhook-auth.js';
import { parseWebhookBody, type IntakePayload } from './webhook-payload.js';
import { WebhookRejections } from './webhook-rejections.js';

/** The webhook paths: one handler, both formats (Alertmanager v4, Grafana v1). */
export const WEBHOOK_PATHS = ['/hooks/alertmanager', '/hooks/grafana'] as const;

export interface WebhookRouteDeps {
  config: AppConfig;
  queues: QueueSet;
  routes: readonly CompiledRoute[];
  logger: Logger;
  requestLog: (c: Context) => Logger;
  redisReady: () => boolean;
  insecureNoAuth?: boolean;
  /** Where bodies wait while Redis is away; without one the receiver answers 503. */
  spool?: WebhookSpool;
}

export interface WebhookRoutes {
  rejections: WebhookRejections;
  replayer?: SpoolReplayer;
}

/**
 * POST /hooks/alertmanager and /hooks/grafana: credentials (token, basic, Grafana signature),
 * body limit, format, routing and storage. 2xx only once every routed job is stored — in
 * Redis, or for senders that never retry (Grafana) in the local spool while Redis is away.
 */
export function mountWebhookRoutes(app: Hono, deps: WebhookRouteDeps): WebhookRoutes {
  const { config, queues, routes, spool } = deps;
  const { server } = config;
  const rejections = new WebhookRejections(deps.logger, server.rejectionLogInterval);
  const credentials = webhookCredentials(server.auth, rejections, deps.insecureNoAuth);
  const limit = declaredBodyLimit(server.bodyLimitBytes, (c) => {
    alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
    return rejections.reject(c, 413, 'body_too_large', `body larger than ${server.bodyLimitBytes} bytes`);
  });
  const store = (payload: IntakePayload, receivedAt?: number) => withTimeout(enqueueAlerts({ ...payload, receivedAt }, routes, queues), server.enqueueTimeout, 'storing jobs');
  const spoolable = (payload: IntakePayload) => !!spool && server.spool.senders.includes(payload.source);

  const replayer = spool
    ? new SpoolReplayer(
        spool,
        async (entry: SpoolEntry) => {
          const parsed = parseWebhookBody(JSON.parse(entry.body));
          // Validated before it was spooled; a body that no longer parses is set aside by the spool.
          if (!parsed.ok) throw new Error(parsed.reason);
          await store(parsed.payload, entry.receivedAt);
        },
        deps.redisReady,
        server.spool.replayInterval,
        deps.logger,
      ).start()
    : undefined;

  async function toSpool(c: Context, payload: IntakePayload, text: string, cause: unknown): Promise<Response | undefined> {
    if (!spool || !spoolable(payload)) return undefined;
    try {
      if (!(await spool.store({ v: 1, source: payload.source, receivedAt: Date.now(), body: text }))) {
        deps.requestLog(c).error({ alerts: payload.alerts.length, dir: spool.dir }, 'spool is full: this delivery is refused with 503');
        return undefined;
      }
    } catch (err) {
      deps.requestLog(c).error({ err, dir: spool.dir }, 'cannot write to the spool: this delivery is refused with 503');
      return undefined;
    }
    deps.requestLog(c).warn({ alerts: payload.alerts.length, waiting: spool.pending, cause: cause instanceof Error ? cause.message : undefined }, 'webhook spooled until Redis is back');
    void replayer?.kick();
    return c.json({ spooled: payload.alerts.length, waiting: spool.pending }, 202);
  }

  async function handle(c: Context): Promise<Response> {
    const span = trace.getActiveSpan();
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const refused = checkSignature(c, server.auth, raw, rejections);
    if (refused) return refused;
    const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
      return rejections.reject(c, 400, 'invalid_json', 'body is not valid JSON');
    }
    const parsed = parseWebhookBody(body);
    if (!parsed.ok) {
      alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
      return rejections.reject(c, 400, 'invalid_payload', parsed.reason);
    }
    const { payload } = parsed;
    if (payload.truncatedAlerts) {
      deps.requestLog(c).warn({ source: payload.source, truncated: payload.truncatedAlerts, alerts: payload.alerts.length }, 'sender truncated alerts: set its max alerts to 0 so none are left out');
    }
    span?.setAttribute('alertworks.alerts', payload.alerts.length);
    span?.setAttribute('alertworks.source', payload.source);
    // While older bodies wait in the spool, newer ones queue behind them: replay keeps the order.
    if (spool && spool.pending > 0 && spoolable(payload)) {
      const spooled = await toSpool(c, payload, text, undefined);
      if (spooled) return spooled;
    }
    try {
      const outcome = await store(payload);
      deps.requestLog(c).info({ ...outcome, source: payload.source, receiver: payload.receiver.slice(0, 128), groupKey: payload.groupKey?.slice(0, 256) }, 'webhook accepted');
      return c.json(outcome, 200);
    } catch (err) {
      const spooled = await toSpool(c, payload, text, err);
      if (spooled) return spooled;
      // 503, never 429: Alertmanager retries 5xx and transport errors, so nothing is lost.
      const lost = payload.source === 'grafana' ? ' (Grafana does not retry: these alerts are lost unless re-sent)' : ' so Alertmanager retries';
      deps.requestLog(c)[payload.source === 'grafana' ? 'error' : 'warn']({ err, source: payload.source, alerts: payload.alerts.length }, `could not store jobs; answering 503${lost}`);
      c.header('Retry-After', '5');
      return c.json({ error: 'cannot store jobs right now (queue store unavailable); retry later' }, 503);
    }
  }

  for (const path of WEBHOOK_PATHS) app.post(path, credentials, limit, handle);
  return { rejections, replayer };
}
