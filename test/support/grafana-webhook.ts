import { signBody } from '../../src/server/webhook-signature.js';

/**
 * The body Grafana's webhook contact point sends (Grafana-managed alerting, payload version
 * "1"), taken from Grafana's documentation of the webhook notifier — "Webhook JSON payload" in
 * grafana/grafana docs/sources/alerting/configure-notifications/manage-contact-points/
 * integrations/webhook-notifier.md — field for field, including the deprecated top-level
 * title/state/message. Per-alert `orgId`, `ruleUID` and `imageURL` come from
 * grafana/alerting templates/template_data.go (ExtendedAlert), which that page's example omits.
 */
export const GRAFANA_DOCS_EXAMPLE = {
  receiver: 'My Super Webhook',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      annotations: {
        description: 'The system has high memory usage',
        runbook_url: 'https://myrunbook.com/runbook/1234',
        summary: 'This alert was triggered for zone us-1',
      },
      startsAt: '2021-10-12T09:51:03.157076+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
      fingerprint: 'c6eadffa33fcdf37',
      silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1',
      dashboardURL: '',
      panelURL: '',
      values: { B: 44.23943737541908, C: 1 },
    },
    {
      status: 'firing',
      labels: { alertname: 'High CPU usage', team: 'blue', zone: 'eu-1' },
      annotations: {
        description: 'The system has high CPU usage',
        runbook_url: 'https://myrunbook.com/runbook/1234',
        summary: 'This alert was triggered for zone eu-1',
      },
      startsAt: '2021-10-12T09:56:03.157076+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://play.grafana.org/alerting/d1rdpdv7k/edit',
      fingerprint: 'bc97ff14869b13e3',
      silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1',
      dashboardURL: '',
      panelURL: '',
      values: { B: 44.23943737541908, C: 1 },
    },
  ],
  groupLabels: {},
  commonLabels: { team: 'blue' },
  commonAnnotations: {},
  externalURL: 'https://play.grafana.org/',
  version: '1',
  groupKey: '{}:{}',
  truncatedAlerts: 0,
  title: '[FIRING:2]  (blue)',
  state: 'alerting',
  message:
    '**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\nAnnotations:\n - description = This is the alert rule checking the second system\n - runbook_url = https://myrunbook.com\n - summary = This is my summary\nSource: https://play.grafana.org/alerting/1afz29v7z/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1\n\nLabels:\n - alertname = T1\n - team = blue\n - zone = eu-1\nAnnotations:\nSource: https://play.grafana.org/alerting/d1rdpdv7k/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1\n',
} as const;

export interface GrafanaAlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  fingerprint: string;
  values?: Record<string, number> | null;
  ruleUID?: string;
}

/** A Grafana webhook body of the documented shape around the given alerts. */
export function grafanaBody(alerts: GrafanaAlertInput[], grafanaUrl = 'https://grafana.example.com/'): typeof GRAFANA_DOCS_EXAMPLE {
  const firing = alerts.some((a) => (a.status ?? 'firing') === 'firing');
  return {
    ...GRAFANA_DOCS_EXAMPLE,
    receiver: 'alertworks',
    status: firing ? 'firing' : 'resolved',
    state: firing ? 'alerting' : 'ok',
    externalURL: grafanaUrl,
    title: `[${firing ? 'FIRING' : 'RESOLVED'}:${alerts.length}]`,
    message: '',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt ?? '2026-11-22T05:00:00.123456789Z',
      endsAt: (a.status ?? 'firing') === 'resolved' ? '2026-11-22T06:00:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: `${grafanaUrl}alerting/grafana/${a.ruleUID ?? 'rule-uid'}/view?orgId=1`,
      fingerprint: a.fingerprint,
      silenceURL: `${grafanaUrl}alerting/silence/new?alertmanager=grafana&matcher=__alert_rule_uid__%3D${a.ruleUID ?? 'rule-uid'}&orgId=1`,
      dashboardURL: `${grafanaUrl}d/volumes?from=1&orgId=1&to=2`,
      panelURL: `${grafanaUrl}d/volumes?from=1&orgId=1&to=2&viewPanel=4`,
      values: a.values === undefined ? { A: 93.5, C: 1 } : a.values,
      valueString: "[ var='A' labels={} value=93.5 ], [ var='C' labels={} value=1 ]",
      orgId: 1,
      ...(a.ruleUID ? { ruleUID: a.ruleUID } : {}),
    })),
  } as unknown as typeof GRAFANA_DOCS_EXAMPLE;
}

export interface SigningOptions {
  secret: string;
  header?: string;
  timestampHeader?: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
}

/** Headers as Grafana's HMAC round-tripper sets them (grafana/alerting http/hmac.go). */
export function grafanaHeaders(body: string, signing?: SigningOptions): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Grafana' };
  if (!signing) return headers;
  const ts = signing.timestampHeader ? String(signing.timestamp ?? Math.floor(Date.now() / 1000)) : undefined;
  if (signing.timestampHeader && ts) headers[signing.timestampHeader.toLowerCase()] = ts;
  headers[(signing.header ?? 'X-Grafana-Alerting-Signature').toLowerCase()] = signBody(signing.secret, body, ts);
  return headers;
}
