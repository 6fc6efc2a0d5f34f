import { describe, expect, it } from 'vitest';
import { routeSchema } from '../config/schema.js';
import { defaultRoutes } from '../config/load.js';
import { parseWebhookBody } from '../server/webhook-payload.js';
import { compileRoutes, routeAlert } from './routing.js';

/**
 * Grafana-managed alerts reach alertworks two ways: Grafana's webhook contact point (version
 * "1"), or an external Alertmanager that Grafana sends its alerts to (version "4", Grafana's
 * private labels/annotations kept). A rule's title is its `alertname`; NoData and Error states
 * rename it to DatasourceNoData / DatasourceError and keep the title in `rulename`
 * (grafana/alerting, Grafana docs "Configure no data and error handling").
 */
const VOLUME_LABELS = { grafana_folder: 'Storage', __alert_rule_uid__: 'vol-critical', mountpoint: '/mnt/HC_Volume_4711', instance: 'node-1:9100' };

function viaAlertmanager(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') {
  return {
    version: '4',
    receiver: 'alertworks',
    status,
    alerts: [
      {
        status,
        labels,
        annotations: { __values__: '{"A":0.93}', __value_string__: "[ var='A' value=0.93 ]", __dashboardUid__: 'vols', __panelId__: '2', __orgId__: '1' },
        startsAt: '2026-11-22T05:00:00Z',
        generatorURL: 'https://grafana.example.com/alerting/grafana/vol-critical/view',
        fingerprint: 'abc123',
      },
    ],
  };
}

function viaWebhook(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') {
  const clean = Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('__')));
  return {
    version: '1',
    receiver: 'alertworks',
    status,
    orgId: 1,
    alerts: [
      {
        status,
        labels: clean,
        annotations: {},
        startsAt: '2026-11-22T05:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'abc123',
        values: { A: 0.93 },
        ruleUID: 'vol-critical',
      },
    ],
    title: '',
    state: 'alerting',
    message: '',
  };
}

const defaults = compileRoutes(defaultRoutes());
const withDatasourceRoute = compileRoutes([
  ...defaultRoutes(),
  routeSchema.parse({ match: { alertname: '=~Datasource(NoData|Error)', rulename: '=~Volume.*' }, status: 'any', action: 'notify' }),
  routeSchema.parse({ match: { grafana_folder: 'Storage' }, action: 'notify' }),
]);

describe.each([
  ['an external Alertmanager', viaAlertmanager],
  ['the webhook contact point', viaWebhook],
])('Grafana-managed alerts through %s', (_path, body) => {
  const route = (routes: typeof defaults, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') => {
    const parsed = parseWebhookBody(body(labels, status));
    if (!parsed.ok) throw new Error(parsed.reason);
    const [alert] = parsed.payload.alerts;
    return routeAlert(routes, alert!)?.route.action;
  };

  it.each([
    ['the rule title VolumeUsageCritical, firing', { alertname: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'firing', 'volume-resize'],
    ['the rule title VolumeUsageCritical, resolved', { alertname: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'resolved', 'volume-resize'],
    ['NoData of that rule (never resizes)', { alertname: 'DatasourceNoData', rulename: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'firing', undefined],
    ['Error of that rule (never resizes)', { alertname: 'DatasourceError', rulename: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'firing', undefined],
  ] as const)('default routes: %s -> %s', (_name, labels, status, action) => {
    expect(route(defaults, labels, status)).toBe(action);
  });

  it.each([
    ['NoData of a volume rule', { alertname: 'DatasourceNoData', rulename: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'notify'],
    ['Error of a volume rule', { alertname: 'DatasourceError', rulename: 'VolumeUsageWarning', ...VOLUME_LABELS }, 'notify'],
    ['another rule in the Storage folder', { alertname: 'BackupLate', grafana_folder: 'Storage' }, 'notify'],
    ['a rule in another folder', { alertname: 'BackupLate', grafana_folder: 'Apps' }, undefined],
    ['VolumeUsageCritical still goes first to volume-resize', { alertname: 'VolumeUsageCritical', ...VOLUME_LABELS }, 'volume-resize'],
  ] as const)('routes on rulename and grafana_folder: %s -> %s', (_name, labels, action) => {
    expect(route(withDatasourceRoute, labels)).toBe(action);
  });

  it('keeps the rule uid, values and links for the actions', () => {
    const parsed = parseWebhookBody(body({ alertname: 'VolumeUsageCritical', ...VOLUME_LABELS }));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.payload.alerts[0]?.grafana).toMatchObject({ ruleUID: 'vol-critical', values: { A: 0.93 } });
  });
});
