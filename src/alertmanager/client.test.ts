import { describe, expect, it } from 'vitest';
import { AlertmanagerClient } from './client.js';

/** Records the requests; answers like Alertmanager would. */
function recorder(status = 200, body: unknown = []) {
  const seen: { url: string; method: string; auth?: string; body?: unknown }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    seen.push({
      url: String(input),
      method: init?.method ?? 'GET',
      auth: headers.get('authorization') ?? undefined,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

describe('AlertmanagerClient', () => {
  it.each([
    ['Alertmanager', 'http://am:9093/', '', 'http://am:9093/api/v2/alerts'],
    [
      "Grafana's built-in Alertmanager",
      'https://grafana.example.com',
      '/api/alertmanager/grafana',
      'https://grafana.example.com/api/alertmanager/grafana/api/v2/alerts',
    ],
  ])('%s: builds the v2 URL with filters from every usable label', async (_n, url, apiPrefix, base) => {
    const r = recorder();
    await new AlertmanagerClient({ url, apiPrefix, token: 'glsa_token_0000', fetch: r.fetch }).findAlert({
      alertname: 'VolumeUsageCritical',
      volume_id: '4711',
    });
    const u = new URL(r.seen[0]!.url);
    expect(`${u.origin}${u.pathname}`).toBe(base);
    expect(u.searchParams.getAll('filter')).toEqual(['alertname="VolumeUsageCritical"', 'volume_id="4711"']);
    expect(r.seen[0]!.auth).toBe('Bearer glsa_token_0000');
  });

  it('finds the alert with exactly these labels, not one with more', async () => {
    const status = { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] };
    const r = recorder(200, [
      { labels: { alertname: 'A', x: '1', extra: 'y' }, fingerprint: 'f1', startsAt: '', endsAt: '', status },
      { labels: { alertname: 'A', x: '1' }, fingerprint: 'f2', startsAt: '', endsAt: '', status },
    ]);
    expect((await new AlertmanagerClient({ url: 'http://am', fetch: r.fetch }).findAlert({ alertname: 'A', x: '1' }))?.fingerprint).toBe('f2');
  });

  it("matches an alert of Grafana's Alertmanager that carries private __labels__ the webhook left out", async () => {
    const status = { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] };
    const r = recorder(200, [
      { labels: { alertname: 'A', grafana_folder: 'infra', __alert_rule_uid__: 'u1' }, fingerprint: 'g1', startsAt: '', endsAt: '', status },
    ]);
    expect(
      (
        await new AlertmanagerClient({ url: 'http://grafana', apiPrefix: '/api/alertmanager/grafana', fetch: r.fetch }).findAlert({
          alertname: 'A',
          grafana_folder: 'infra',
        })
      )?.fingerprint,
    ).toBe('g1');
    expect(await new AlertmanagerClient({ url: 'http://grafana', fetch: r.fetch }).findAlert({ alertname: 'A', grafana_folder: 'other' })).toBeUndefined();
  });

  it.each([
    [500, 'TransientError', 'alertmanager_unavailable'],
    [401, 'PermanentError', 'alertmanager_refused'],
    [404, 'PermanentError', 'alertmanager_not_found'],
  ])('HTTP %i is a %s (%s)', async (status, name, code) => {
    const r = recorder(status, { message: 'no' });
    await expect(new AlertmanagerClient({ url: 'http://am', fetch: r.fetch }).expireSilence('0f7c3e9a-1b2c-4d5e-8f90-a1b2c3d4e5f6')).rejects.toMatchObject({
      name,
      code,
    });
  });

  it('never puts a silence id that is not an id into a URL', async () => {
    const r = recorder();
    await expect(new AlertmanagerClient({ url: 'http://am', fetch: r.fetch }).expireSilence('../alerts?x=1')).rejects.toMatchObject({
      code: 'alertmanager_bad_silence_id',
    });
    expect(r.seen).toEqual([]);
  });
});
