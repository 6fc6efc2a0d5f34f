import type { Alert } from './alertmanager-payload.js';
import { parsePayload } from './alertmanager-payload.js';
import { grafanaFieldsFromAnnotations, parseGrafanaPayload } from './grafana-payload.js';

/** Who sent a webhook body: Alertmanager (webhook v4) or Grafana's webhook contact point (v1). */
export type WebhookSource = 'alertmanager' | 'grafana';

/** What the receiver routes and stores, whichever sender it came from. */
export interface IntakePayload {
  source: WebhookSource;
  receiver: string;
  groupKey?: string;
  externalURL?: string;
  /** Alerts the sender left out (its max alerts setting). */
  truncatedAlerts?: number;
  alerts: Alert[];
}

export type IntakeResult = { ok: true; payload: IntakePayload } | { ok: false; reason: string };

const FORMATS = 'an Alertmanager webhook (version "4") or a Grafana webhook contact point (version "1") payload';

/**
 * One endpoint, both formats, told apart by `version`. The reason of a refusal names the
 * format it was read as and the first field that is wrong, so the sender's operator can fix it.
 */
export function parseWebhookBody(body: unknown): IntakeResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: `body must be a JSON object: ${FORMATS}` };
  }
  const version = (body as { version?: unknown }).version;
  if (version === '1') {
    if (!('alerts' in body)) return { ok: false, reason: 'not a Grafana webhook payload: alerts: required field is missing' };
    const grafana = parseGrafanaPayload(body);
    if (!grafana.ok) return { ok: false, reason: `not a Grafana webhook payload: ${grafana.reason}` };
    return { ok: true, payload: { source: 'grafana', ...grafana.payload } };
  }
  if (version === undefined || version === '4') {
    const am = parsePayload(body);
    if (!am.ok) return { ok: false, reason: `not an Alertmanager v4 payload: ${am.reason}` };
    const { receiver, groupKey, externalURL, truncatedAlerts } = am.payload;
    // A sender-supplied `grafana` field is never trusted: only what the receiver derives is kept.
    const alerts = am.payload.alerts.map(({ grafana: _untrusted, ...alert }) => {
      const grafana = grafanaFieldsFromAnnotations(alert);
      return grafana ? { ...alert, grafana } : alert;
    });
    return { ok: true, payload: { source: 'alertmanager', receiver, groupKey, externalURL, truncatedAlerts, alerts } };
  }
  const shown = typeof version === 'string' ? `"${version.slice(0, 16)}"` : typeof version;
  return { ok: false, reason: `version: ${shown} is neither "4" (Alertmanager webhook) nor "1" (Grafana webhook contact point)` };
}
