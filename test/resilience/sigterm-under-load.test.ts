import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { TOKEN, alertNameOf, directAlert, jobIdOf, notifyConfig, notifyQueue, postWebhook, tally, type DirectAlert } from './helpers.js';

/**
 * SIGTERM while webhooks keep arriving: the receiver stops taking requests, answers the ones
 * it has, workers finish their active jobs. Every alert answered 200 must end as a completed
 * job (after a restart for those still waiting) and one Slack thread; an alert that got no
 * 200 is Alertmanager's to retry.
 */
describe('SIGTERM under load', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start({ persist: true });
    slack = await new FakeSlack().start();
    slack.answerDelayMs = 50;
  });

  afterAll(async () => {
    await service?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  const start = () =>
    ServiceProcess.start({
      role: 'all',
      config: notifyConfig(redis.url),
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });

  it('loses no alert that was answered 200', async () => {
    const first = await start();
    service = first;
    const accepted: DirectAlert[] = [];
    const refused: Record<string, number> = {};
    let seq = 0;
    let loading = true;
    const senders = Array.from({ length: 8 }, async () => {
      while (loading) {
        const alert = directAlert(`Sigterm${seq++}`);
        try {
          const res = await postWebhook(first.url, [alert], AbortSignal.timeout(10_000));
          await res.arrayBuffer();
          if (res.status === 200) accepted.push(alert);
          else refused[res.status] = (refused[res.status] ?? 0) + 1;
        } catch {
          refused.transport = (refused.transport ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });

    await waitFor('load to be flowing', () => accepted.length >= 200, 30_000, 20);
    const exit = first.stop('SIGTERM');
    const exitCode = await exit;
    loading = false;
    await Promise.all(senders);
    const acceptedAtStop = accepted.length;
    expect(exitCode).toBe(0);

    const q = notifyQueue(redis.url);
    try {
      const states = tally(await Promise.all(accepted.map((a) => q.queue.getJobState(jobIdOf(a)))));
      console.info(
        `sigterm: ${acceptedAtStop} accepted, refused ${JSON.stringify(refused)}, job states after the stop ${JSON.stringify(Object.fromEntries(states))}`,
      );
      // Whatever was accepted is stored: finished, or waiting for the next worker.
      expect(states.get('unknown') ?? 0).toBe(0);

      service = await start();
      await waitFor(
        'every accepted alert to be processed',
        async () => {
          const now = await Promise.all(accepted.map((a) => q.queue.getJobState(jobIdOf(a))));
          return now.every((s) => s === 'completed');
        },
        90_000,
        500,
      );
    } finally {
      await q.close();
    }
    const perAlert = tally(slack.messages.map((m) => alertNameOf(m.text)));
    for (const a of accepted) expect(perAlert.get(a.name), a.name).toBe(1);
  });
});
