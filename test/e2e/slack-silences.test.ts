import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKey, labelsFingerprint } from '../../src/server/alertmanager-payload.js';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { fakeEnv, payload } from '../integration/volume-resize/harness.js';

const TOKEN = 'e2e-webhook-token-silences-0123';
const PREFIX = '{aws}';
const VOLUME = 4712;
const OPERATOR = { id: 'U0OPERATOR', username: 'olga' };
const COLLEAGUE = { id: 'U0COLLEAG1', username: 'carl' };

interface AmSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  endsAt: string;
}
interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

describe('e2e with the real Alertmanager: silence-aware resizes, Silence / Expire / Acknowledge from Slack', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: ServiceProcess;
  let am: Alertmanager;
  let queue: Queue;
  const hook = () => `${aw.url}/hooks/slack/interactions`;
  const amJson = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${am.url}/api/v2${path}`, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const amAlert = async (alertname: string) => (await amJson<AmAlert[]>(`/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`))[0];
  const volumeCalls = () => hetzner.calls.filter((c) => c.path.includes(`/volumes/${VOLUME}`));

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 200 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: VOLUME, name: 'data', size: 20 });
    // Alertmanager first (alertworks asks it), delivering to alertworks' port chosen up front.
    const { freePort } = await import('../support/ports.js');
    const port = await freePort();
    am = await Alertmanager.start({ webhookUrl: `http://127.0.0.1:${port}/hooks/alertmanager`, token: TOKEN });
    aw = await ServiceProcess.start({
      port,
      config: `
redis: { prefix: "${PREFIX}" }
slack: { approvers: [U0OPERATOR] }
routes:
  - { match: { alertname: VolumeUsageCritical }, status: any, action: volume-resize }
  - { match: { alertname: "=~.+" }, status: any, action: notify }
volumeResize:
  actionPollInterval: 100ms
  volumes: [{ id: ${VOLUME}, filesystem: {} }]
`,
      env: {
        REDIS_URL: redis.url,
        WEBHOOK_TOKEN: TOKEN,
        ...fakeEnv(hetzner, github, slack),
        GITHUB_TOKEN: '',
        SLACK_SIGNING_SECRET: slack.signingSecret,
        ALERTMANAGER_URL: am.url,
      },
    });
    queue = new Queue('volume-resize', { connection: { url: redis.url } as never, prefix: PREFIX });
  });

  afterAll(async () => {
    await queue?.close();
    await am?.stop();
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('a queued resize of a silenced alert ends as `silenced` with no Hetzner call; after the silence expires the next alert acts', async () => {
    const labels = { alertname: 'VolumeUsageCritical', severity: 'critical', volume_id: String(VOLUME), instance: 'node-1:9100' };
    const { silenceID } = await amJson<{ silenceID: string }>('/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [
          { name: 'alertname', value: 'VolumeUsageCritical', isRegex: false, isEqual: true },
          { name: 'volume_id', value: String(VOLUME), isRegex: false, isEqual: true },
        ],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'e2e',
        comment: 'maintenance',
      }),
    });
    await am.post([{ labels, annotations: { summary: 'volume almost full' } }]);
    await waitFor('Alertmanager to hold the alert as suppressed', async () => (await amAlert('VolumeUsageCritical'))?.status.state === 'suppressed');

    // The job that was queued before the silence (or a retry, or a Grafana-direct delivery).
    const queued = payload([{ labels: { severity: 'critical', volume_id: String(VOLUME), instance: 'node-1:9100' }, startsAt: '2026-11-22T05:00:00Z' }]);
    const res = await fetch(`${aw.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(queued),
    });
    expect(res.status).toBe(200);
    const id = dedupKey({ fingerprint: labelsFingerprint(labels), startsAt: '2026-11-22T05:00:00Z', status: 'firing' });
    const job = await waitFor(
      'the queued job to finish',
      async () => {
        const j = await queue.getJob(id);
        // Read again once completed: a copy fetched before it finished has no return value.
        return j && (await j.getState()) === 'completed' ? queue.getJob(id) : undefined;
      },
      30_000,
    );
    expect(job?.returnvalue).toMatchObject({ outcome: 'silenced', volume: VOLUME, silencedBy: [silenceID] });
    expect(volumeCalls()).toEqual([]);
    await waitFor('the thread to say so with the silence id', () =>
      slack.messages.some((m) => m.text.includes('Not growing volume `4712` (4712)') && m.text.includes(`silenced by \`${silenceID}\``)),
    );

    // Expired: Alertmanager now delivers the alert itself, and that delivery acts.
    const del = await fetch(`${am.url}/api/v2/silence/${silenceID}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await waitFor('the resize after the silence ended', () => hetzner.acceptedResizes().length === 1, 60_000, 200);
    expect(hetzner.acceptedResizes().map((c) => c.body)).toEqual([{ size: 30 }]);
    await waitFor(
      'the thread to report the resize',
      () => slack.messages.some((m) => m.text.includes('Hetzner resized volume `data` (4712) from 20 GB to *30 GB*')),
      30_000,
    );
    expect(hetzner.volumes.get(VOLUME)?.size).toBe(30);
  });

  it('Silence 2h from an alert thread creates the silence in Alertmanager; Expire silence expires it', async () => {
    const labels = { alertname: 'DiskPressure', severity: 'warning', job: 'node', instance: 'node-7:9100' };
    await am.post([{ labels, annotations: { summary: 'disk pressure' } }]);
    const silenceButton = await waitFor(
      'the alert thread with its buttons',
      () => slack.buttons('Silence 2h').find((b) => b.message.text.includes('DiskPressure')),
      30_000,
    );
    expect(slack.buttons('Acknowledge').some((b) => b.message === silenceButton.message)).toBe(true);

    expect((await slack.click(hook(), silenceButton, OPERATOR)).status).toBe(200);
    const reply = await waitFor(
      'the silence in the thread',
      () => slack.messages.find((m) => m.thread_ts === silenceButton.message.ts && m.text.includes('Silenced by <@U0OPERATOR> for 2h')),
      30_000,
    );
    const silenceId = /silence `([0-9a-f-]+)`/.exec(reply.text)?.[1];
    expect(silenceId).toBeDefined();

    const silence = await amJson<AmSilence>(`/silence/${silenceId}`);
    expect(silence.status.state).toBe('active');
    expect(silence.matchers.map((m) => [m.name, m.value, m.isRegex, m.isEqual ?? true]).sort()).toEqual([
      ['alertname', 'DiskPressure', false, true],
      ['job', 'node', false, true],
      ['severity', 'warning', false, true],
    ]);
    expect(silence.createdBy).toBe('olga (U0OPERATOR) via alertworks');
    expect(silence.comment).toContain(`https://slack.com/archives/${silenceButton.message.channel}/p${silenceButton.message.ts.replace('.', '')}`);
    const hours = (Date.parse(silence.endsAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2);
    // Alertmanager no longer notifies for it: it holds the alert as suppressed by our silence.
    await waitFor('the alert to be suppressed', async () => (await amAlert('DiskPressure'))?.status.silencedBy.includes(silenceId!));

    const expire = slack.buttons('Expire silence').find((b) => b.message === reply)!;
    expect((await slack.click(hook(), expire, OPERATOR)).status).toBe(200);
    await waitFor('the expiry in the thread', () => slack.messages.some((m) => m.text.includes(`Silence \`${silenceId}\` expired by <@U0OPERATOR>`)), 30_000);
    expect((await amJson<AmSilence>(`/silence/${silenceId}`)).status.state).toBe('expired');
    await waitFor('the alert to be active again', async () => (await amAlert('DiskPressure'))?.status.state === 'active');
  });

  it('Acknowledge marks the first message and is written in the thread, once', async () => {
    const ack = slack.buttons('Acknowledge').find((b) => b.message.text.includes('DiskPressure'))!;
    expect((await slack.click(hook(), ack, COLLEAGUE)).status).toBe(200);
    await waitFor(
      'the root to show the acknowledgement',
      () => ack.message.updates.some((u) => JSON.stringify(u.blocks).includes('Acknowledged by <@U0COLLEAG1>')),
      30_000,
    );
    expect((await slack.click(hook(), ack, OPERATOR)).status).toBe(200);
    await waitFor(
      'the second click answered',
      () => slack.messages.some((m) => m.thread_ts === ack.message.ts && m.text.includes('already acknowledged by <@U0COLLEAG1>')),
      30_000,
    );
    expect(ack.message.updates.filter((u) => JSON.stringify(u.blocks).includes('Acknowledged by'))).toHaveLength(1);
    // Marked: Silence stays on the message, Acknowledge is gone.
    const marked = JSON.stringify(ack.message.updates.at(-1)?.blocks);
    expect(marked).toContain('Silence 2h');
    expect(marked).not.toContain(ack.value);
    const metrics = await (await fetch(`${aw.url}/metrics`)).text();
    expect(metrics).toContain('alertworks_slack_interactions_total{action="silence",outcome="done"} 1');
    expect(metrics).toContain('alertworks_slack_interactions_total{action="expire_silence",outcome="done"} 1');
    expect(metrics).toContain('alertworks_slack_interactions_total{action="acknowledge",outcome="done"} 1');
    expect(metrics).toContain('alertworks_slack_interactions_total{action="acknowledge",outcome="already_decided"} 1');
  });
});
