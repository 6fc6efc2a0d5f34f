import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { FreezingTcpProxy } from '../support/tcp-proxy.js';
import { ScriptedServer } from '../support/check-targets.js';
import { waitFor } from '../support/ports.js';
import { TOKEN, alertNameOf, directAlert, notifyConfig, postUntilAccepted } from './helpers.js';

async function metric(service: ServiceProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

async function readyz(service: ServiceProcess): Promise<number> {
  const res = await fetch(`${service.url}/readyz`);
  await res.body?.cancel();
  return res.status;
}

/**
 * Worker liveness: a `work` replica reaches Redis through a proxy that can freeze every open
 * connection (half-open: nothing flows, nothing closes — what a worker's blocking connection
 * can be left with after a failover). Its canary job is not taken, /readyz on the work
 * listener says 503 and alertworks_worker_live 0, and it recreates its workers on new
 * connections: the canary flows again and alerts queued meanwhile reach Slack.
 */
describe('worker liveness: a work replica whose connections are stuck recreates its workers', () => {
  let redis: RedisServer;
  let proxy: FreezingTcpProxy;
  let slack: FakeSlack;
  let receiver: ServiceProcess;
  let work: ServiceProcess;
  let target: ScriptedServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await FreezingTcpProxy.start(redis.port);
    slack = await new FakeSlack().start();
    target = await ScriptedServer.start();
    receiver = await ServiceProcess.start({
      role: 'serve',
      config: notifyConfig(redis.url),
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_SIGNING_SECRET: slack.signingSecret },
    });
    work = await ServiceProcess.start({
      role: 'work',
      config: notifyConfig(`redis://127.0.0.1:${proxy.port}`, {
        jobs: 'livenessInterval: 250ms, livenessTimeout: 2s',
        extra: `checks:\n  - { name: live-probe, type: http, url: "http://127.0.0.1:${target.port}/health", interval: 500ms, timeout: 400ms }\n`,
      }),
      env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACK_SIGNING_SECRET: slack.signingSecret },
    });
  });

  afterAll(async () => {
    await work?.stop();
    await receiver?.stop();
    await proxy?.stop();
    await slack?.stop();
    await target?.stop();
    await redis?.destroy();
  });

  const delivered = (name: string) => slack.messages.some((m) => alertNameOf(m.text) === name);

  it('is live and ready while its canary is taken; survives CLIENT KILL by reconnecting', async () => {
    await waitFor('work replica ready and live', async () => (await readyz(work)) === 200 && (await metric(work, 'alertworks_worker_live')) === 1, 20_000, 100);
    const admin = redis.client();
    // Every client but this one: ioredis notices the closed sockets and reconnects by itself.
    const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    admin.disconnect();
    expect(killed).toBeGreaterThan(0);
    // The receiver's connection was killed too: it answers 503 until it has reconnected, and Alertmanager retries.
    expect((await postUntilAccepted(receiver.url, [directAlert('AfterClientKill')])).status).toBe(200);
    await waitFor('alert after CLIENT KILL in Slack', () => delivered('AfterClientKill'), 20_000, 100);
    await waitFor('live after reconnecting', async () => (await metric(work, 'alertworks_worker_live')) === 1 && proxy.connections > 0, 20_000, 100);
    expect(await metric(work, 'alertworks_worker_recreations_total')).toBe(0);
  });

  it('goes 503 and worker_live 0 when its connections freeze, recreates its workers, and takes jobs again', async () => {
    expect(proxy.freezeAll()).toBeGreaterThan(0);
    // Queued while the workers are stuck: must not be lost.
    expect((await postUntilAccepted(receiver.url, [directAlert('WhileFrozen')])).status).toBe(200);

    await waitFor(
      'worker_live 0 and /readyz 503',
      async () => (await metric(work, 'alertworks_worker_live')) === 0 && (await readyz(work)) === 503,
      20_000,
      100,
    );
    await waitFor('workers recreated', async () => ((await metric(work, 'alertworks_worker_recreations_total')) ?? 0) >= 1, 20_000, 100);
    await waitFor(
      'worker_live 1 and /readyz 200 again',
      async () => (await metric(work, 'alertworks_worker_live')) === 1 && (await readyz(work)) === 200,
      20_000,
      100,
    );

    await waitFor('alert queued while frozen in Slack', () => delivered('WhileFrozen'), 20_000, 100);
    expect((await postUntilAccepted(receiver.url, [directAlert('AfterRecovery')])).status).toBe(200);
    await waitFor('alert after recovery in Slack', () => delivered('AfterRecovery'), 20_000, 100);
    expect(slack.messages.filter((m) => alertNameOf(m.text) === 'WhileFrozen')).toHaveLength(1);
    // The check worker was recreated too: the schedule's runs reach the target again.
    const probes = target.requests.length;
    await waitFor('2 more check runs', () => target.requests.length >= probes + 2, 20_000, 100);
    // The interactions worker was recreated too: a click stored by the receiver is worked
    // (a well-formed button id alertworks never issued: the clicker is told so).
    const button = {
      text: 'Approve',
      value: randomBytes(16).toString('hex'),
      action_id: 'approve',
      message: { channel: 'C0OPS00001', ts: '1796000000.000001', text: 'x', blocks: [], updates: [] },
    };
    const click = await slack.click(`${receiver.url}/hooks/slack/interactions`, button, { id: 'U0CLICKER', username: 'clicker' });
    expect(click.status).toBe(200);
    await waitFor(
      'the click worked after recovery',
      () => slack.ephemerals.some((e) => e.user === 'U0CLICKER' && /does not know this button/.test(e.text)),
      20_000,
      100,
    );
    expect(work.logsWith('workers not live: no canary job taken in time').length).toBeGreaterThan(0);
    expect(work.logsWith('workers recreated').length).toBeGreaterThan(0);
  });
});
