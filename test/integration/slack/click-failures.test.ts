import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { IncidentThreads } from '../../../src/notify/threads.js';
import { SlackNotifier } from '../../../src/notify/slack-notifier.js';
import { logger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis.js';
import { IncidentControls } from '../../../src/slack/incident-controls.js';
import type { ClickJobData } from '../../../src/slack/interaction-intake.js';
import { interactionContext, processClick } from '../../../src/slack/interaction-worker.js';
import { FakeSlack } from '../../fakes/slack.js';
import { freePort } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';

/** A click whose work cannot be done: retried while that may help, then written in the thread as failed. */
describe('a Silence click while Alertmanager is down', () => {
  let redisServer: RedisServer;
  let slack: FakeSlack;

  beforeAll(async () => {
    [redisServer, slack] = await Promise.all([RedisServer.start(), new FakeSlack().start()]);
  });
  afterAll(async () => {
    await Promise.all([redisServer.destroy(), slack.stop()]);
  });

  it('throws for a retry before the last attempt, and on the last says it failed', async () => {
    const prefix = '{clf}';
    const amUrl = `http://127.0.0.1:${await freePort()}`;
    const config = parseConfig(`redis: { url: "${redisServer.url}", prefix: "${prefix}" }\nalertmanager: { url: "${amUrl}", timeout: 300ms }\n`, 'test.yaml', {
      SLACK_SIGNING_SECRET: slack.signingSecret,
    });
    const redis = createRedis(redisServer.url, 'worker');
    const notifier = new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl });
    const threads = new IncidentThreads(redis, notifier, prefix);
    try {
      const controls = IncidentControls.fromConfig(config, redis)!;
      await threads.say(
        'alert:f00',
        await controls.alertMessage('alert:f00', { alertname: 'DiskPressure', job: 'node' }, { text: 'FIRING: DiskPressure' }, '*DiskPressure*'),
      );
      const silence = slack.buttons('Silence 2h')[0]!;
      const ctx = interactionContext({ config, redis, threads, notifier, logger }, new Map());
      const job = (attemptsMade: number) =>
        ({
          id: 'click-f1',
          attemptsMade,
          opts: { attempts: 3 },
          data: { click: { buttonId: silence.value, user: { id: 'U0OPERATOR', name: 'olga' } }, receivedAt: Date.now(), via: 'http' },
        }) as unknown as Job<ClickJobData>;

      await expect(processClick(ctx, job(0), logger)).rejects.toMatchObject({ code: 'alertmanager_unreachable' });
      expect(slack.messages.filter((m) => m.thread_ts)).toEqual([]);
      expect(await processClick(ctx, job(2), logger)).toEqual({ outcome: 'failed' });
      expect(slack.messages.filter((m) => m.thread_ts).map((m) => m.text)).toEqual(
        ['<@U0OPERATOR> clicked silence, but it failed (alertmanager_unreachable). Nothing was done.'].map((t) => `:x: ${t}`),
      );
    } finally {
      await redis.quit();
    }
  });
});
