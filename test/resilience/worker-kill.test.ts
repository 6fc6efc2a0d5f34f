import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { TOKEN, alertNameOf, directAlert, jobIdOf, notifyConfig, notifyQueue, postWebhook, tally } from './helpers.js';

const N = 24;
const CONCURRENCY = 8;

/**
 * A worker is SIGKILLed while its jobs wait on a slow Slack. BullMQ's stalled-job recovery
 * must give those jobs to the next worker: every alert is posted exactly once. The jobs that
 * died between Slack accepting their message and recording it are the hard case (Slack's
 * chat.postMessage has no idempotency key): each step's intent is stored before the post and
 * the message carries a metadata marker, so the retry finds it in the channel's history.
 */
describe('worker killed with SIGKILL in the middle of jobs', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let receiver: ServiceProcess;
  let worker: ServiceProcess | undefined;

  const workerEnv = () => ({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl });

  beforeAll(async () => {
    redis = await RedisServer.start({ persist: true });
    slack = await new FakeSlack().start();
    slack.answerDelayMs = 1_500;
    receiver = await ServiceProcess.start({ role: 'serve', config: notifyConfig(redis.url), env: { WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await receiver?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  it('recovers the stalled jobs on a new worker; every alert is posted exactly once, also those in flight at the kill', async () => {
    const alerts = Array.from({ length: N }, (_, i) => directAlert(`WorkerKill${i}`));
    const res = await postWebhook(receiver.url, alerts);
    expect(res.status).toBe(200);

    const first = await ServiceProcess.start({ role: 'work', config: notifyConfig(redis.url, { jobs: `concurrency: ${CONCURRENCY}` }), env: workerEnv() });
    worker = first;
    // Kill while the first batch's messages are in Slack but their answers have not come back.
    await waitFor('the first worker to post', () => slack.messages.length >= CONCURRENCY, 30_000, 20);
    await first.stop('SIGKILL');
    const postedBeforeKill = new Set(slack.messages.map((m) => alertNameOf(m.text)));
    expect(postedBeforeKill.size).toBeGreaterThan(0);
    expect(postedBeforeKill.size).toBeLessThan(N);

    const killedAt = Date.now();
    worker = await ServiceProcess.start({ role: 'work', config: notifyConfig(redis.url, { jobs: `concurrency: ${CONCURRENCY}` }), env: workerEnv() });
    const q = notifyQueue(redis.url);
    try {
      // Stalled-job recovery: the dead worker's locks expire (lockDuration 30 s), the next
      // stalled check (every 15 s) puts the jobs back in the queue.
      await waitFor(
        'every job completed',
        async () => {
          const states = await Promise.all(alerts.map((a) => q.queue.getJobState(jobIdOf(a))));
          return states.every((s) => s === 'completed');
        },
        120_000,
        500,
      );
    } finally {
      await q.close();
    }
    const recoverySeconds = (Date.now() - killedAt) / 1000;

    const perAlert = tally(slack.messages.map((m) => alertNameOf(m.text)));
    const doubled = [...perAlert].filter(([, n]) => n > 1).map(([name]) => name);
    console.info(
      `worker kill: ${postedBeforeKill.size} messages posted before the kill, recovered in ${recoverySeconds.toFixed(1)} s, ${doubled.length} of ${N} alerts posted twice: ${doubled.join(', ') || 'none'}`,
    );

    // Nothing lost, nothing twice: including the jobs whose message Slack had accepted when the worker died.
    for (const a of alerts) expect(perAlert.get(a.name) ?? 0, a.name).toBe(1);
    expect(doubled).toEqual([]);
  });
});
