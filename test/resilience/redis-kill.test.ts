import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { TOKEN, alertNameOf, notifyConfig, tally } from './helpers.js';

const N = 40;

/**
 * A real Alertmanager streams alerts (every alert its own group, short intervals) while the
 * append-only Redis is SIGKILLed and restarted. The receiver answers 503 meanwhile, Alertmanager
 * retries, workers reconnect: every alert is processed, and none twice.
 */
describe('Redis killed with SIGKILL while Alertmanager streams alerts', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: ServiceProcess;
  let am: Alertmanager;

  beforeAll(async () => {
    redis = await RedisServer.start({ persist: true });
    slack = await new FakeSlack().start();
    slack.answerDelayMs = 100;
    service = await ServiceProcess.start({
      config: notifyConfig(redis.url),
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });
    am = await Alertmanager.start({
      webhookUrl: `${service.url}/hooks/alertmanager`,
      token: TOKEN,
      groupBy: ['...'],
      groupWait: '1s',
      groupInterval: '2s',
      repeatInterval: '1h',
    });
  });

  afterAll(async () => {
    await am?.stop();
    await service?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  it('processes every alert exactly once', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const names = Array.from({ length: N }, (_, i) => `RedisKill${i}`);
    const stream = (async () => {
      for (const name of names) {
        await am.post([{ labels: { alertname: name, severity: 'critical' }, annotations: { summary: `${name} summary` }, startsAt }]);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // Kill Redis once alerts are flowing through, with jobs being processed.
    await waitFor('first alerts to reach Slack', () => slack.messages.length >= 5, 30_000, 20);
    await redis.stop('SIGKILL');
    const failedBefore = (await am.notificationStats()).failed;
    await waitFor('Alertmanager deliveries to fail', async () => (await am.notificationStats()).failed > failedBefore, 30_000, 200);
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.restart();
    await stream;

    await waitFor(`${N} alerts in Slack`, () => new Set(slack.messages.map((m) => alertNameOf(m.text))).size === N, 120_000, 250);
    // Re-sends and retries keep arriving for a while: none may add a message.
    await new Promise((r) => setTimeout(r, 5_000));
    const perAlert = tally(slack.messages.map((m) => alertNameOf(m.text)));
    const stats = await am.notificationStats();
    console.info(`redis kill: ${N} alerts, Alertmanager sent ${stats.total} notifications (${stats.failed} failed), Slack messages ${slack.messages.length}`);
    expect([...perAlert.keys()].sort()).toEqual([...names].sort());
    for (const [name, n] of perAlert) expect(n, name).toBe(1);
    expect(stats.failed).toBeGreaterThan(0);
  });
});
