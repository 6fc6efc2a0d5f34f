import { describe, expect, it } from 'vitest';
import { GRAFANA_DOCS_EXAMPLE } from '../../test/support/grafana-webhook.js';
import { dedupKey } from './alertmanager-payload.js';
import { parseWebhookBody } from './webhook-payload.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('parseWebhookBody: Grafana webhook contact point (version "1")', () => {
  it("reads Grafana's documented example: both alerts, fingerprints, Grafana-only fields kept", () => {
    const result = parseWebhookBody(clone(GRAFANA_DOCS_EXAMPLE));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { payload } = result;
    expect(payload).toMatchObject({ source: 'grafana', receiver: 'My Super Webhook', groupKey: '{}:{}', externalURL: 'https://play.grafana.org/' });
    expect(payload.alerts.map((a) => [a.labels.alertname, a.fingerprint, a.status])).toEqual([
      ['High memory usage', 'c6eadffa33fcdf37', 'firing'],
      ['High CPU usage', 'bc97ff14869b13e3', 'firing'],
    ]);
    const [first] = payload.alerts;
    expect(first?.annotations.runbook_url).toBe('https://myrunbook.com/runbook/1234');
    expect(first?.generatorURL).toBe('https://play.grafana.org/alerting/1afz29v7z/edit');
    // Empty dashboard/panel URLs are dropped; the org id comes from the top level.
    expect(first?.grafana).toEqual({
      values: { B: 44.23943737541908, C: 1 },
      silenceURL: GRAFANA_DOCS_EXAMPLE.alerts[0].silenceURL,
      orgId: 1,
    });
    // The Grafana-only fields are not left on the alert itself.
    expect(first).not.toHaveProperty('values');
    expect(first).not.toHaveProperty('silenceURL');
  });

  it('dedups on fingerprint + startsAt + status, as for Alertmanager', () => {
    const a = parseWebhookBody(clone(GRAFANA_DOCS_EXAMPLE));
    const b = parseWebhookBody(clone(GRAFANA_DOCS_EXAMPLE));
    if (!a.ok || !b.ok) throw new Error('parse failed');
    expect(dedupKey(a.payload.alerts[0]!)).toBe(dedupKey(b.payload.alerts[0]!));
    expect(dedupKey(a.payload.alerts[0]!)).not.toBe(dedupKey(a.payload.alerts[1]!));
  });

  it('takes values: null (no numeric result), per-alert orgId, ruleUID and imageURL', () => {
    const body = clone(GRAFANA_DOCS_EXAMPLE) as unknown as { alerts: Record<string, unknown>[] };
    Object.assign(body.alerts[0]!, {
      values: null,
      orgId: 7,
      ruleUID: 'ddm1xq2abc',
      imageURL: 'https://grafana.example/img.png',
      valueString: "[ var='B' value=44 ]",
    });
    const result = parseWebhookBody(body);
    if (!result.ok) throw new Error(result.reason);
    expect(result.payload.alerts[0]?.grafana).toEqual({
      silenceURL: GRAFANA_DOCS_EXAMPLE.alerts[0].silenceURL,
      orgId: 7,
      ruleUID: 'ddm1xq2abc',
      imageURL: 'https://grafana.example/img.png',
      valueString: "[ var='B' value=44 ]",
    });
  });

  it('bounds what a sender controls: at most 32 values, no non-finite or oversized keys, long URLs dropped, odd rule uids dropped', () => {
    const body = clone(GRAFANA_DOCS_EXAMPLE) as unknown as { alerts: Record<string, unknown>[] };
    const values = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`R${i}`, i]));
    Object.assign(body.alerts[0]!, {
      values: { [`${'k'.repeat(65)}`]: 1, ...values },
      silenceURL: `https://x.test/${'a'.repeat(3000)}`,
      ruleUID: 'uid with spaces',
    });
    const result = parseWebhookBody(body);
    if (!result.ok) throw new Error(result.reason);
    const grafana = result.payload.alerts[0]?.grafana;
    expect(Object.keys(grafana?.values ?? {})).toHaveLength(32);
    expect(grafana?.silenceURL).toBeUndefined();
    expect(grafana?.ruleUID).toBeUndefined();
  });
});

describe('parseWebhookBody: refusals name the format and the field', () => {
  const grafana = (patch: (b: Record<string, unknown> & { alerts: Record<string, unknown>[] }) => void) => {
    const body = clone(GRAFANA_DOCS_EXAMPLE) as unknown as Record<string, unknown> & { alerts: Record<string, unknown>[] };
    patch(body);
    return body;
  };
  it.each([
    ['an array', [], 'body must be a JSON object: an Alertmanager webhook (version "4") or a Grafana webhook contact point (version "1") payload'],
    ['an unknown version', { version: '2', alerts: [] }, 'version: "2" is neither "4" (Alertmanager webhook) nor "1" (Grafana webhook contact point)'],
    ['a numeric version', { version: 1, alerts: [] }, 'version: number is neither "4" (Alertmanager webhook) nor "1" (Grafana webhook contact point)'],
    ['Grafana without alerts', { version: '1', orgId: 1 }, 'not a Grafana webhook payload: alerts: required field is missing'],
    [
      'Grafana values that are not numbers',
      grafana((b) => (b.alerts[0]!.values = { B: 'high' })),
      'not a Grafana webhook payload: alerts[0].values.B: Invalid input: expected number, received string',
    ],
    [
      'Grafana alert with an unknown status',
      grafana((b) => (b.alerts[1]!.status = 'alerting')),
      'not a Grafana webhook payload: alerts[1].status: Invalid option: expected one of "firing"|"resolved"',
    ],
    ['Grafana orgId as a string', grafana((b) => (b.orgId = '1')), 'not a Grafana webhook payload: orgId: Invalid input: expected number, received string'],
    ['Alertmanager without version', { alerts: [] }, 'not an Alertmanager v4 payload: version: must be "4" (Alertmanager webhook payload version)'],
  ])('400 reason for %s', (_name, body, reason) => {
    expect(parseWebhookBody(body)).toEqual({ ok: false, reason });
  });
});

describe('parseWebhookBody: Grafana-managed alerts through an external Alertmanager (version "4")', () => {
  const amBody = (labels: Record<string, string>, annotations: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    version: '4',
    receiver: 'alertworks',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt: '2026-11-22T05:00:00Z',
        generatorURL: 'https://grafana.example.com/sub/alerting/grafana/vol-rule/view?orgId=3',
        fingerprint: 'f1',
        ...extra,
      },
    ],
  });

  it("rebuilds Grafana's fields from its private labels and annotations", () => {
    const result = parseWebhookBody(
      amBody(
        { alertname: 'VolumeUsageCritical', grafana_folder: 'Storage', __alert_rule_uid__: 'vol-rule', mountpoint: '/mnt/HC_Volume_4711' },
        {
          __values__: '{"A":93.5,"C":1}',
          __value_string__: "[ var='A' value=93.5 ]",
          __dashboardUid__: 'volumes',
          __panelId__: '4',
          __orgId__: '3',
          summary: 'full',
        },
      ),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.payload.source).toBe('alertmanager');
    expect(result.payload.alerts[0]?.grafana).toEqual({
      values: { A: 93.5, C: 1 },
      valueString: "[ var='A' value=93.5 ]",
      ruleUID: 'vol-rule',
      orgId: 3,
      dashboardURL: 'https://grafana.example.com/sub/d/volumes?orgId=3',
      panelURL: 'https://grafana.example.com/sub/d/volumes?orgId=3&viewPanel=4',
    });
  });

  it('leaves plain Prometheus alerts without Grafana fields, and never trusts a sender-supplied `grafana` field', () => {
    const result = parseWebhookBody(amBody({ alertname: 'DiskFull' }, {}, { grafana: { silenceURL: 'javascript:alert(1)' } }));
    if (!result.ok) throw new Error(result.reason);
    expect(result.payload.alerts[0]).not.toHaveProperty('grafana');
  });

  it('ignores malformed private annotations instead of refusing the alert', () => {
    const result = parseWebhookBody(
      amBody({ alertname: 'X', __alert_rule_uid__: 'bad uid!' }, { __values__: '{not json', __panelId__: 'x', __dashboardUid__: '../../etc' }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.payload.alerts[0]).not.toHaveProperty('grafana');
  });
});
