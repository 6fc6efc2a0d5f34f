import { describe, expect, it } from 'vitest';
import { dedupKey, labelsFingerprint, parsePayload } from './alertmanager-payload.js';

const alert = { status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', fingerprint: 'abc' };
const valid = { version: '4', receiver: 'r', status: 'firing', groupKey: '{}:{}', alerts: [alert] };

describe('Alertmanager v4 payload validation', () => {
  const bad: { name: string; body: unknown; reason: string }[] = [
    { name: 'an array', body: [], reason: 'body must be a JSON object' },
    { name: 'no alerts', body: { version: '4' }, reason: 'alerts: required field is missing' },
    { name: 'version 3', body: { ...valid, version: '3' }, reason: 'version: must be "4"' },
    { name: 'no version', body: { alerts: [] }, reason: 'version: must be "4"' },
    { name: 'alerts not an array', body: { ...valid, alerts: {} }, reason: 'alerts: Invalid input: expected array' },
    { name: 'alert status unknown', body: { ...valid, alerts: [{ ...alert, status: 'pending' }] }, reason: 'alerts[0].status: Invalid option' },
    {
      name: 'label value not a string',
      body: { ...valid, alerts: [{ ...alert, labels: { a: 1 } }] },
      reason: 'alerts[0].labels.a: Invalid input: expected string',
    },
    { name: 'missing startsAt', body: { ...valid, alerts: [{ status: 'firing', labels: {} }] }, reason: 'alerts[0].startsAt: Invalid input' },
    { name: 'receiver not a string', body: { ...valid, receiver: 7 }, reason: 'receiver: Invalid input: expected string' },
  ];

  it.each(bad)('rejects $name with a reason naming the field', ({ body, reason }) => {
    const result = parsePayload(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('accepts unknown extra fields that newer Alertmanagers add', () => {
    const result = parsePayload({ ...valid, truncatedAlerts: 0, notification_reason: 'x', routeLabels: {}, alerts: [{ ...alert, extra: true }] });
    expect(result.ok).toBe(true);
  });

  it('derives a fingerprint from the labels when the alert has none', () => {
    const { fingerprint: _, ...noFp } = alert;
    const result = parsePayload({ ...valid, alerts: [noFp] });
    expect(result.ok && result.payload.alerts[0]?.fingerprint).toBe(labelsFingerprint({ alertname: 'A' }));
  });

  it('dedup key depends on fingerprint, startsAt and status only', () => {
    const a = dedupKey({ fingerprint: 'f', startsAt: 's', status: 'firing' });
    expect(dedupKey({ fingerprint: 'f', startsAt: 's', status: 'firing' })).toBe(a);
    expect(dedupKey({ fingerprint: 'f', startsAt: 's', status: 'resolved' })).not.toBe(a);
    expect(dedupKey({ fingerprint: 'f', startsAt: 't', status: 'firing' })).not.toBe(a);
    expect(dedupKey({ fingerprint: 'g', startsAt: 's', status: 'firing' })).not.toBe(a);
  });

  it('label fingerprints ignore label order', () => {
    expect(labelsFingerprint({ a: '1', b: '2' })).toBe(labelsFingerprint({ b: '2', a: '1' }));
    expect(labelsFingerprint({ a: '1', b: '2' })).not.toBe(labelsFingerprint({ a: '1', b: '3' }));
  });
});
