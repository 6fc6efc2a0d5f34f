import type { Context, Hono } from 'hono';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { alertsReceived } from '../observability/metrics.js';
import { enqueueAlerts } from '../queue/enqueue.js';
import type { QueueSet } from '../queue/queues.js';
import type { CompiledRoute } from '../queue/routing.js';
import type { SpoolEntry, WebhookSpool } from '../queue/spool.js';
import { SpoolReplayer } from '../queue/spool-replay.js';
import { declaredBodyLimit } from './body-limit.js';
import { requireJson } from './request-guards.js';
import { MAX_JSON_DEPTH, boundPayload, tooDeepAt } from './sender-bounds.js';
import { checkSignature, webhookCredentials } from './webhook-auth.js';
import { parseWebhookBody, type IntakePayload } from './webhook-payload.js';
import { WebhookRejections } from './webhook-rejections.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditIntake } from '../audit/intake-audit.js';

/** The webhook paths: one handler, both formats (Alertmanager v4, Grafana v1). */
const WEBHOOK_PATHS = ['/hooks/alertmanager', '/hooks/grafana'] as const;

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
  /** Where each stored alert is recorded as `received` (not awaited: the webhook answers first). */
  audit?: AuditTrail;
  /** The edge's shared refusal log and counter; a new one when absent. */
  rejections?: WebhookRejections;
}

/** Bodies longer than this are processed in steps (see handle()). */
const YIELD_ABOVE_CHARS = 256 * 1024;

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
  const rejections = deps.rejections ?? new WebhookRejections(deps.logger, server.rejectionLogInterval);
  const credentials = webhookCredentials(server.auth, rejections, deps.insecureNoAuth);
  const limit = declaredBodyLimit(server.bodyLimitBytes, (c) => {
    alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
    return rejections.reject(c, 413, 'body_too_large', `body larger than ${server.bodyLimitBytes} bytes`);
  });
  // A large batch is stored in chunks, each with the enqueue timeout (not one timeout for all).
  const store = (payload: IntakePayload, receivedAt?: number, log: Logger = deps.logger) => {
    const { audit } = deps;
    // The audit record of each stored alert is written after the answer's decision, never awaited.
    const onStored =
      audit &&
      ((jobs: Parameters<typeof auditIntake>[1]) =>
        void auditIntake(audit, jobs).catch((err: unknown) => log.warn({ err }, 'audit: could not record received alerts')));
    return enqueueAlerts({ ...payload, receivedAt }, routes, queues, { chunkTimeoutMs: server.enqueueTimeout, onStored }, log);
  };
  const spoolable = (payload: IntakePayload) => !!spool && server.spool.senders.includes(payload.source);

  const replayer = spool
    ? new SpoolReplayer(
        spool,
        async (entry: SpoolEntry) => {
          const parsed = parseWebhookBody(JSON.parse(entry.body));
          // Validated before it was spooled; a body that no longer parses is set aside by the spool.
          if (!parsed.ok) throw new Error(parsed.reason);
          await store(boundPayload(parsed.payload), entry.receivedAt);
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
    deps
      .requestLog(c)
      .warn(
        { alerts: payload.alerts.length, waiting: spool.pending, cause: cause instanceof Error ? cause.message : undefined },
        'webhook spooled until Redis is back',
      );
    void replayer?.kick();
    return c.json({ spooled: payload.alerts.length, waiting: spool.pending }, 202);
  }

  async function handle(c: Context): Promise<Response> {
    const span = trace.getActiveSpan();
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const refused = checkSignature(c, server.auth, raw, rejections);
    if (refused) return refused;
    const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    // A body of megabytes is parsed, checked and cut in steps of a few ms each, with the event
    // loop let through between them, so /healthz and other webhooks are answered meanwhile;
    // small bodies (nearly all) go straight through.
    const yieldBetweenSteps = text.length > YIELD_ABOVE_CHARS ? () => nextTurn() : () => undefined;
    const refuseBody = (reason: 'invalid_json' | 'too_deep' | 'invalid_payload', error: string) => {
      alertsReceived.inc({ alertname: '', status: '', outcome: 'rejected' });
      return rejections.reject(c, 400, reason, error);
    };
    await yieldBetweenSteps();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuseBody('invalid_json', 'body is not valid JSON');
    }
    await yieldBetweenSteps();
    // Refused before anything walks the value: storing a payload nested 5,000 deep threw
    // (answered 503 although Redis was fine), and no sender nests beyond a few levels.
    const deep = tooDeepAt(body, MAX_JSON_DEPTH);
    if (deep !== undefined) return refuseBody('too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels at ${deep}`);
    const parsed = parseWebhookBody(body);
    if (!parsed.ok) return refuseBody('invalid_payload', parsed.reason);
    await yieldBetweenSteps();
    // Cut every sender-controlled string to its bound before it is logged or stored.
    const payload = boundPayload(parsed.payload);
    await yieldBetweenSteps();
    if (payload.truncatedAlerts) {
      deps
        .requestLog(c)
        .warn(
          { source: payload.source, truncated: payload.truncatedAlerts, alerts: payload.alerts.length },
          'sender truncated alerts: set its max alerts to 0 so none are left out',
        );
    }
    span?.setAttribute('alertworks.alerts', payload.alerts.length);
    span?.setAttribute('alertworks.source', payload.source);
    // While older bodies wait in the spool, newer ones queue behind them: replay keeps the order.
    if (spool && spool.pending > 0 && spoolable(payload)) {
      const spooled = await toSpool(c, payload, text, undefined);
      if (spooled) return spooled;
    }
    try {
      const log = deps.requestLog(c);
      const outcome = await store(payload, undefined, log);
      log.info({ ...outcome, source: payload.source, receiver: payload.receiver, groupKey: payload.groupKey }, 'webhook accepted');
      return c.json(outcome, 200);
    } catch (err) {
      const spooled = await toSpool(c, payload, text, err);
      if (spooled) return spooled;
      // 503, never 429: Alertmanager retries 5xx and transport errors, so nothing is lost.
      const lost = payload.source === 'grafana' ? ' (Grafana does not retry: these alerts are lost unless re-sent)' : ' so Alertmanager retries';
      const level = payload.source === 'grafana' ? 'error' : 'warn';
      deps.requestLog(c)[level]({ err, source: payload.source, alerts: payload.alerts.length }, `could not store jobs; answering 503${lost}`);
      c.header('Retry-After', '5');
      return c.json({ error: 'cannot store jobs right now (queue store unavailable); retry later' }, 503);
    }
  }

  const jsonOnly = requireJson(rejections);
  for (const path of WEBHOOK_PATHS) app.post(path, credentials, jsonOnly, limit, handle);
  return { rejections, replayer };
}
