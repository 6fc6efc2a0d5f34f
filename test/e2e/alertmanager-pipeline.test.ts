import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';

const TOKEN = 'e2e-webhook-token-0123456789';

async function metric(service: ServiceProcess, name: string, match: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(match))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('real Alertmanager -> alertworks -> Slack', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: ServiceProcess;
  let am: Alertmanager;

  beforeAll(async () => {
    // Append-only Redis, as production runs it: a restart must not lose stored jobs.
    redis = await RedisServer.start({ persist: true });
    slack = await new FakeSlack().start();
    service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\njobs: { backoff: 200ms }\n`,
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });
    am = await Alertmanager.start({
      webhookUrl: `${service.url}/hooks/alertmanager`,
      token: TOKEN,
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '2s',
    });
  });

  afterAll(async () => {
    await am?.stop();
    await service?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  const alert = (i: number) => ({
    labels: { alertname: `E2eAlert${i}`, severity: 'critical', instance: `host-${i}` },
    annotations: { summary: `disk ${i} is full` },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
  });

  it('N distinct alerts give exactly N notify jobs and N Slack threads; re-sends add none', async () => {
    const N = 5;
    await am.post(Array.from({ length: N }, (_, i) => alert(i)));
    await waitFor('5 Slack threads', () => slack.threads().length === N, 30_000);
    await waitFor('5 notify jobs done', async () => (await metric(service, 'alertworks_jobs_total', 'outcome="notified"')) === N, 15_000);

    // repeat_interval is 2s: let Alertmanager re-send the same alerts several times.
    const sentBefore = (await am.notificationStats()).total;
    await waitFor('Alertmanager to re-send', async () => (await am.notificationStats()).total >= sentBefore + N, 30_000);
    await waitFor(
      're-sends counted as duplicates',
      async () => (await metric(service, 'alertworks_alerts_received_total', 'outcome="duplicate"')) >= N,
      15_000,
    );

    expect(await metric(service, 'alertworks_jobs_total', 'outcome="notified"')).toBe(N);
    expect(slack.threads()).toHaveLength(N);
    expect(slack.messages).toHaveLength(N);
    expect(
      slack
        .threads()
        .map((t) => t.root.text)
        .sort(),
    ).toEqual(Array.from({ length: N }, (_, i) => `FIRING: E2eAlert${i} (critical) — disk ${i} is full`).sort());
  });

  it('Redis stopped mid-stream: 503 without waiting for Redis; after restart the retries are processed and nothing is lost', async () => {
    const threadsBefore = slack.threads().length;
    await redis.stop('SIGKILL');

    const started = Date.now();
    const res = await fetch(`${service.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        receiver: 'direct',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'DirectProbe' }, startsAt: new Date().toISOString(), fingerprint: 'direct-1' }],
      }),
    });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    // Bounded by server.enqueueTimeout (1.5 s), well before Alertmanager's own 10 s timeout
    // would cut it; the margin is for a loaded machine, not for the receiver.
    expect(elapsed).toBeLessThan(6_000);
    expect((await res.json()) as { error: string }).toMatchObject({ error: expect.stringContaining('retry') });

    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);

    // New alerts arrive while Redis is down: Alertmanager's deliveries fail and it retries.
    const failedBefore = (await am.notificationStats()).failed;
    await am.post([alert(10), alert(11), alert(12)]);
    await waitFor('Alertmanager to see failed deliveries', async () => (await am.notificationStats()).failed > failedBefore, 30_000);

    await redis.restart();
    await waitFor('3 more Slack threads after Redis is back', () => slack.threads().length === threadsBefore + 3, 60_000);
    await waitFor('readyz back to 200', async () => (await fetch(`${service.url}/readyz`)).status === 200, 10_000);

    // Give re-sends time to arrive: still exactly one thread per alert.
    await new Promise((r) => setTimeout(r, 4_000));
    const names = slack.threads().map((t) => t.root.text.split(':')[1]?.trim().split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(slack.threads()).toHaveLength(threadsBefore + 3);
  });
});
