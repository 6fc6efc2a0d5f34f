import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCheck, findCheck } from '../../../checks/check-runner.js';
import { parseConfig } from '../../../src/config/load.js';
import { IncidentThreads } from '../../../src/notify/threads.js';
import { SlackNotifier } from '../../../src/notify/slack-notifier.js';
import { logger } from '../../../src/observability/logger.js';
import { createRedis } from '../../../src/redis.js';
import type { ClickJobData } from '../../../src/slack/interaction-intake.js';
import { interactionContext, processClick } from '../../../src/slack/interaction-worker.js';
import { FakeSlack } from '../../fakes/slack.js';
import { ScriptedServer } from '../../support/check-targets.js';
import { RedisServer } from '../../support/redis-server.js';

/**
 * Acknowledge on a DOWN check: the first message shows who acknowledged, reminders stop for
 * this outage, and the next outage (a state change) reminds again. The click goes through the
 * same function the interactions worker runs for each click job.
 */
describe('Acknowledge on a check that is DOWN', () => {
  let redisServer: RedisServer;
  let target: ScriptedServer;
  let slack: FakeSlack;

  beforeAll(async () => {
    [redisServer, target, slack] = await Promise.all([RedisServer.start(), ScriptedServer.start(), new FakeSlack().start()]);
  });
  afterAll(async () => {
    await Promise.all([redisServer.destroy(), target.stop(), slack.stop()]);
  });

  it('stops reminders until the state changes', async () => {
    const prefix = '{ack}';
    const config = parseConfig(
      `redis: { url: "${redisServer.url}", prefix: "${prefix}" }\nslack: { channel: "#ops" }\nchecks:\n  - { name: web, type: http, url: "${target.url('/health')}", interval: 1m, timeout: 2s, remindEvery: 2m }\n`,
      'test.yaml',
      { SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    );
    const redis = createRedis(redisServer.url, 'worker');
    const notifier = new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl });
    const threads = new IncidentThreads(redis, notifier, prefix);
    const found = findCheck(config, 'web')!;
    let at = Date.parse('2026-11-22T10:00:00Z');
    const run = async () => {
      at += 60_000;
      await executeCheck(found.check, found.type, at, { config, redis, threads, logger, clock: () => at });
    };
    const texts = () => slack.messages.map((m) => m.text);
    try {
      target.respond(500, '');
      await run();
      await run(); // DOWN
      const ack = slack.buttons('Acknowledge').find((b) => b.message.text.includes('*web* is DOWN'));
      expect(ack).toBeDefined();
      await run();
      await run(); // first reminder (2m)
      expect(texts().filter((t) => t.includes('still DOWN'))).toHaveLength(1);

      const ctx = interactionContext({ config, redis, threads, notifier, logger }, new Map());
      const job = {
        id: 'click-ack-1',
        data: { click: { buttonId: ack!.value, user: { id: 'U0ONCALL1', name: 'oncall' } }, receivedAt: Date.now(), via: 'http' },
      } as unknown as Job<ClickJobData>;
      expect(await processClick(ctx, job, logger)).toEqual({ outcome: 'done' });
      expect(ack!.message.updates.at(-1)?.text).toContain('(acknowledged)');
      expect(JSON.stringify(ack!.message.updates.at(-1)?.blocks)).toContain('Acknowledged by <@U0ONCALL1>');
      // The marked message no longer offers Acknowledge.
      expect(JSON.stringify(ack!.message.updates.at(-1)?.blocks)).not.toContain(ack!.value);
      expect(texts().some((t) => t.includes('*web* acknowledged by <@U0ONCALL1>: reminders stop until its state changes'))).toBe(true);

      for (let i = 0; i < 6; i++) await run(); // 6 more minutes down: no reminder
      expect(texts().filter((t) => t.includes('still DOWN'))).toHaveLength(1);

      target.respond(200, 'ok');
      await run(); // UP
      target.respond(500, '');
      for (let i = 0; i < 4; i++) await run(); // the next outage: DOWN, then a reminder again
      expect(texts().filter((t) => t.includes('*web* is DOWN'))).toHaveLength(2);
      expect(texts().filter((t) => t.includes('still DOWN'))).toHaveLength(2);
    } finally {
      await redis.quit();
    }
  });
});
