import { z } from 'zod';
import { alertSchema, issueReason, labelsFingerprint, type Alert } from './alertmanager-payload.js';

/**
 * Grafana's webhook contact point (Grafana-managed alerting), payload `"version": "1"`.
 * Shape from grafana/alerting receivers/webhook/v1/webhook.go (webhookMessage) and
 * templates/template_data.go (ExtendedData, ExtendedAlert): the Alertmanager fields plus, per
 * alert, `values`, `valueString`, `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`,
 * `ruleUID`, `orgId`; at the top `orgId`, `title`, `state`, `message`.
 */

/** What the actions and Slack messages may use of Grafana's extras, bounded and typed. */
export interface GrafanaAlertFields {
  /** Query results by ref id (`{"B": 44.2, "C": 1}`); absent when Grafana sent `null`. */
  values?: Record<string, number>;
  valueString?: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  ruleUID?: string;
  orgId?: number;
}

const MAX_VALUES = 32;
const MAX_URL = 2_048;
const MAX_VALUE_STRING = 1_024;
const RULE_UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Longer strings are not refused (Grafana makes them), only not kept. */
const url = z.string().transform((s) => (s && s.length <= MAX_URL ? s : undefined));

const grafanaAlertSchema = alertSchema.extend({
  // Go encodes a nil map as null; Grafana sends it for alerts without a numeric result.
  values: z.record(z.string(), z.number()).nullable().optional(),
  valueString: z.string().optional(),
  silenceURL: url.optional(),
  dashboardURL: url.optional(),
  panelURL: url.optional(),
  imageURL: url.optional(),
  ruleUID: z.string().optional(),
  orgId: z.number().int().optional(),
});

const grafanaPayloadSchema = z.looseObject({
  version: z.literal('1', { message: 'must be "1" (Grafana webhook payload version)' }),
  receiver: z.string().default(''),
  status: z.enum(['firing', 'resolved']).optional(),
  orgId: z.number().int().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  externalURL: z.string().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
  alerts: z.array(grafanaAlertSchema),
});

export interface GrafanaPayload {
  receiver: string;
  orgId?: number;
  groupKey?: string;
  truncatedAlerts?: number;
  externalURL?: string;
  alerts: Alert[];
}

export type GrafanaPayloadResult = { ok: true; payload: GrafanaPayload } | { ok: false; reason: string };

/** Validates a Grafana webhook body and turns each alert into the common Alert shape. */
export function parseGrafanaPayload(body: object): GrafanaPayloadResult {
  const result = grafanaPayloadSchema.safeParse(body);
  if (!result.success) {
    return { ok: false, reason: issueReason(result.error) };
  }
  const { data } = result;
  const alerts = data.alerts.map((a): Alert => {
    const { values, valueString, silenceURL, dashboardURL, panelURL, imageURL, ruleUID, orgId, ...common } = a;
    const grafana = compactFields({
      values: boundedValues(values),
      valueString: valueString ? clip(valueString, MAX_VALUE_STRING) : undefined,
      silenceURL,
      dashboardURL,
      panelURL,
      imageURL,
      ruleUID: ruleUID && RULE_UID.test(ruleUID) ? ruleUID : undefined,
      orgId: orgId ?? data.orgId,
    });
    return { ...common, fingerprint: common.fingerprint ?? labelsFingerprint(common.labels), grafana };
  });
  return {
    ok: true,
    payload: {
      receiver: data.receiver,
      orgId: data.orgId,
      groupKey: data.groupKey,
      truncatedAlerts: data.truncatedAlerts,
      externalURL: data.externalURL,
      alerts,
    },
  };
}

/**
 * Grafana-managed alerts routed through an external Alertmanager keep Grafana's private labels
 * and annotations (grafana/alerting models/labels.go): `__alert_rule_uid__`, `__values__`
 * (JSON), `__value_string__`, `__dashboardUid__`, `__panelId__`, `__orgId__`. The links Grafana
 * would build from them are rebuilt on the Grafana URL that the generatorURL points into.
 */
export function grafanaFieldsFromAnnotations(alert: Pick<Alert, 'labels' | 'annotations' | 'generatorURL'>): GrafanaAlertFields | undefined {
  const a = alert.annotations;
  const ruleUID = alert.labels.__alert_rule_uid__;
  const fields: GrafanaAlertFields = {
    values: boundedValues(parseValues(a.__values__)),
    valueString: a.__value_string__ ? clip(a.__value_string__, MAX_VALUE_STRING) : undefined,
    ruleUID: ruleUID && RULE_UID.test(ruleUID) ? ruleUID : undefined,
    orgId: a.__orgId__ && /^\d{1,12}$/.test(a.__orgId__) ? Number(a.__orgId__) : undefined,
  };
  const base = grafanaBase(alert.generatorURL);
  const dashboard = a.__dashboardUid__;
  if (base && dashboard && RULE_UID.test(dashboard)) {
    const org = fields.orgId !== undefined ? `orgId=${fields.orgId}` : '';
    fields.dashboardURL = `${base}/d/${dashboard}${org ? `?${org}` : ''}`;
    const panel = a.__panelId__;
    if (panel && /^\d{1,12}$/.test(panel)) fields.panelURL = `${base}/d/${dashboard}?${org ? `${org}&` : ''}viewPanel=${panel}`;
  }
  const compact = compactFields(fields);
  return Object.keys(compact).length > 0 ? compact : undefined;
}

/** `https://grafana.example.com/sub/alerting/grafana/<uid>/view` -> `https://grafana.example.com/sub`. */
function grafanaBase(generatorURL: string | undefined): string | undefined {
  if (!generatorURL || generatorURL.length > MAX_URL) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(generatorURL);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const at = parsed.pathname.indexOf('/alerting/');
  if (at < 0) return undefined;
  return `${parsed.origin}${parsed.pathname.slice(0, at)}`;
}

function parseValues(text: string | undefined): Record<string, number> | undefined {
  if (!text || text.length > 16_384) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}

function boundedValues(values: Record<string, number> | null | undefined): Record<string, number> | undefined {
  if (!values) return undefined;
  const entries = Object.entries(values)
    .filter(([k, v]) => k.length > 0 && k.length <= 64 && Number.isFinite(v))
    .slice(0, MAX_VALUES);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function compactFields(fields: GrafanaAlertFields): GrafanaAlertFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as GrafanaAlertFields;
}
