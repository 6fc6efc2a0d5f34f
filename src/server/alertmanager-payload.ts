import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { GrafanaAlertFields } from './grafana-payload.js';

/**
 * Alertmanager webhook payload, version 4. Unknown fields are kept, not refused: Alertmanager
 * adds fields across releases (`truncatedAlerts`, `notification_reason`, ...).
 */
const labelSet = z.record(z.string(), z.string());

export const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  /** Present since Alertmanager 0.19; derived from the labels when absent. */
  fingerprint: z.string().min(1).optional(),
});

const payloadSchema = z.looseObject({
  version: z.literal('4', { message: 'must be "4" (Alertmanager webhook payload version)' }),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().default(''),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

export type Alert = z.infer<typeof alertSchema> & {
  fingerprint: string;
  /** Grafana's extras (links, query values), set by the receiver only (server/webhook-payload.ts). */
  grafana?: GrafanaAlertFields;
};
export interface AlertmanagerPayload {
  version: '4';
  groupKey?: string;
  truncatedAlerts?: number;
  status?: 'firing' | 'resolved';
  receiver: string;
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  alerts: Alert[];
}

export type PayloadResult = { ok: true; payload: AlertmanagerPayload } | { ok: false; reason: string };

export function parsePayload(body: unknown): PayloadResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'body must be a JSON object (Alertmanager webhook v4 payload)' };
  }
  if (!('alerts' in body)) return { ok: false, reason: 'alerts: required field is missing' };
  const result = payloadSchema.safeParse(body);
  if (!result.success) {
    return { ok: false, reason: issueReason(result.error) };
  }
  const alerts = result.data.alerts.map((a) => ({ ...a, fingerprint: a.fingerprint ?? labelsFingerprint(a.labels) }));
  return { ok: true, payload: { ...result.data, alerts } };
}

/** Stable fingerprint of a label set (sorted name=value pairs), for alerts sent without one. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(labels).sort()) h.update(`${name}\u0000${labels[name]}\u0001`);
  return h.digest('hex').slice(0, 16);
}

/** The idempotency key of one alert occurrence: fingerprint + startsAt + status (DESIGN.md). */
export function dedupKey(alert: Pick<Alert, 'fingerprint' | 'startsAt' | 'status'>): string {
  return createHash('sha256').update(`${alert.fingerprint}|${alert.startsAt}|${alert.status}`).digest('hex').slice(0, 32);
}

/** A refused payload's reason: where the first problem is (`alerts[0].labels`) and what it is. */
export function issueReason(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue
    ? issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')
    : '';
  return `${path || '(root)'}: ${issue?.message ?? 'invalid payload'}`;
}
