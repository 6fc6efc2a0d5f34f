import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { grafanaBody, grafanaHeaders, type GrafanaAlertInput } from '../support/grafana-webhook.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { fakeEnv } from '../integration/volume-resize/harness.js';

const VOLUME = 4711;
const TOKEN = 'e2e-grafana-webhook-token-0123';
const SECRET = 'e2e-grafana-hmac-secret-98765';
const TS_HEADER = 'X-Grafana-Alerting-Timestamp';
const signing = { secret: SECRET, timestampHeader: TS_HEADER };

/**
 * Grafana-managed alerting -> webhook contact point (HMAC signing with a timestamp, as Grafana
 * 12 sends it; see test/support/grafana-webhook.ts for the payload's source) -> alertworks ->
 * the fake Hetzner API. The alertname is the Grafana rule's title.
 */
describe('e2e: a signed Grafana VolumeUsageCritical grows the Hetzner volume once', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: ServiceProcess;

  const alert: GrafanaAlertInput = {
    labels: {
      alertname: 'VolumeUsageCritical',
      grafana_folder: 'Storage',
      mountpoint: `/mnt/HC_Volume_${VOLUME}`,
      instance: 'node-1:9100',
      severity: 'critical',
    },
    annotations: { summary: 'Volume almost full', runbook_url: 'https://runbooks.example.com/volume-full' },
    fingerprint: '7a1c3e5f9b2d4c6e',
    startsAt: '2026-12-03T09:00:00.123456789Z',
    values: { A: 93.5, C: 1 },
    ruleUID: 'vol-critical',
  };
  const body = JSON.stringify(grafanaBody([alert], 'https://grafana.example.com/'));
  const send = (headers: Record<string, string>, text = body) => fetch(`${aw.url}/hooks/grafana`, { method: 'POST', headers, body: text });

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 500 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: VOLUME, name: 'data', size: 20 });
    aw = await ServiceProcess.start({
      config: `
server:
  auth: { hmac: { timestampHeader: ${TS_HEADER} } }
volumeResize:
  actionPollInterval: 250ms
  volumes:
    - id: ${VOLUME}
      name: data
`,
      env: { REDIS_URL: redis.url, WEBHOOK_TOKEN: TOKEN, GRAFANA_WEBHOOK_SECRET: SECRET, ...fakeEnv(hetzner, github, slack) },
    });
  });

  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  const thread = () => slack.threads().find((t) => t.root.text.includes(`\`data\` (${VOLUME})`));

  it('resizes 20 -> 30 GB once; the thread links the runbook, the rule, the dashboard, the panel, the silence and shows the values', async () => {
    const res = await send(grafanaHeaders(body, signing));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, unrouted: 0 });

    const t = await waitFor(
      'the resize in the Slack thread',
      () => {
        const th = thread();
        return th?.replies.some((r) => r.text.includes('Hetzner resized')) ? th : undefined;
      },
      60_000,
      200,
    );
    expect(hetzner.volumes.get(VOLUME)?.size).toBe(30);
    expect(hetzner.acceptedResizes().map((c) => c.body)).toEqual([{ size: 30 }]);
    const context = JSON.stringify(t.root.blocks);
    for (const label of ['Runbook', 'Source', 'Dashboard', 'Panel', 'Silence']) expect(context).toContain(`|${label}>`);
    expect(context).toContain('<https://runbooks.example.com/volume-full|Runbook>');
    expect(context).toContain('Values: A=93.5, C=1');
  });

  it('the same notification again (Grafana repeat, freshly signed) is a duplicate: no second resize', async () => {
    const res = await send(grafanaHeaders(body, signing));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 1, unrouted: 0 });
    const metrics = await (await fetch(`${aw.url}/metrics`)).text();
    expect(metrics).toContain('alertworks_volume_resize_total{volume="data",outcome="resized"} 1');
    expect(hetzner.resizePosts()).toHaveLength(1);
  });

  it.each([
    ['a wrong signature', () => grafanaHeaders(body, { ...signing, secret: 'not-the-secret-0000000000' }), 'invalid_signature'],
    ['a missing signature', () => ({ 'content-type': 'application/json', 'user-agent': 'Grafana' }), 'missing_credentials'],
    ['a stale signature (10 minutes old)', () => grafanaHeaders(body, { ...signing, timestamp: Math.floor(Date.now() / 1000) - 600 }), 'stale_signature'],
  ])('%s -> 401, a warn line with the reason and the remote address, the metric moves; nothing acts', async (_name, headers, reason) => {
    const res = await send(headers());
    expect(res.status).toBe(401);
    const line = await waitFor('the refusal log line', () => aw.logsWith('webhook refused').find((l) => l.reason === reason), 10_000, 50);
    expect(line).toMatchObject({ level: 'warn', reason });
    expect(String(line.remote)).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(aw.logs)).not.toContain(SECRET);
    const metrics = await (await fetch(`${aw.url}/metrics`)).text();
    expect(metrics).toContain(`alertworks_webhook_rejected_total{reason="${reason}"} 1`);
    expect(hetzner.resizePosts()).toHaveLength(1);
  });
});
