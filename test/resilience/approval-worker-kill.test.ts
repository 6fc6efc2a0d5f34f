import { Queue } from 'bullmq';
import { ApprovalStore } from '../../src/approvals/approval-store.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { fakeEnv, payload } from '../integration/volume-resize/harness.js';

const TOKEN = 'resilience-webhook-token-0123456';
const APPROVER = { id: 'U0APPROVER', username: 'alice' };
const config = (redisUrl: string) => `
redis: { url: "${redisUrl}" }
slack: { approvers: [U0APPROVER] }
volumeResize:
  actionPollInterval: 100ms
  approval: always
  volumes: [{ id: 601, filesystem: {} }, { id: 602, filesystem: {}, approvalTimeout: 3s }]
`;

/**
 * A waiting approval holds no worker: it is a stored request plus a delayed job in Redis. A
 * worker SIGKILLed while approvals wait loses nothing: after a restart Approve still resizes
 * exactly once, and an expiry that fell due while no worker ran still happens.
 */
describe('worker SIGKILLed while approvals wait', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let receiver: ServiceProcess;
  let worker: ServiceProcess | undefined;
  const env = () => ({ WEBHOOK_TOKEN: TOKEN, ...fakeEnv(hetzner, github, slack), GITHUB_TOKEN: '', SLACK_SIGNING_SECRET: slack.signingSecret });
  const threadText = (id: number) =>
    slack.messages
      .filter((m) => m.text.includes(`(${id})`) || slack.messages.some((r) => r.ts === m.thread_ts && r.text.includes(`(${id})`)))
      .map((m) => m.text);

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 100 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 601, name: 'v601', size: 20 });
    hetzner.addVolume({ id: 602, name: 'v602', size: 20 });
    receiver = await ServiceProcess.start({ role: 'serve', config: config(redis.url), env: env() });
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await receiver?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('after a restart, Approve resizes once and a due expiry is still said', async () => {
    worker = await ServiceProcess.start({ role: 'work', config: config(redis.url), env: env() });
    const res = await fetch(`${receiver.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(payload([{ labels: { volume_id: '601' } }, { labels: { volume_id: '602' } }])),
    });
    expect(res.status).toBe(200);
    const approve = await waitFor(
      'both approval requests',
      () => {
        const buttons = slack.buttons('Approve');
        return buttons.length === 2 ? buttons.find((b) => b.message.text.includes('(601)')) : undefined;
      },
      30_000,
    );

    // Waiting = both alert jobs finished (no worker holds anything); then the crash.
    const queue = new Queue('volume-resize', { connection: { url: redis.url } as never, prefix: '{alertworks}' });
    await waitFor('both alert jobs to finish waiting', async () => (await queue.getJobCounts('completed')).completed === 2, 30_000);
    await queue.close();
    await worker.stop('SIGKILL');
    // No worker runs while 602's approval falls due.
    const reader = new Redis(redis.url);
    const stored = await new ApprovalStore(reader, '{alertworks}').pendingFor('volume:602');
    await reader.quit();
    expect(stored).toBeDefined();
    await waitFor("602's approval to fall due", () => Date.now() > stored!.expiresAt + 200, 10_000, 100);
    expect(threadText(602).some((t) => t.includes('Nobody approved'))).toBe(false);
    worker = await ServiceProcess.start({ role: 'work', config: config(redis.url), env: env() });
    await waitFor('the expiry after the restart', () => threadText(602).some((t) => t.includes('Nobody approved within 3s')), 30_000);

    expect((await slack.click(`${receiver.url}/hooks/slack/interactions`, approve, APPROVER)).status).toBe(200);
    await waitFor('the resize', () => threadText(601).some((t) => t.includes('Hetzner resized volume `v601` (601) from 20 GB to *30 GB*')), 30_000);
    expect((await slack.click(`${receiver.url}/hooks/slack/interactions`, approve, APPROVER)).status).toBe(200);
    await waitFor('the second approve answered', () => threadText(601).some((t) => t.includes('already approved')), 30_000);
    expect(hetzner.acceptedResizes().map((c) => c.path)).toEqual(['/volumes/601/actions/resize']);
  });
});
