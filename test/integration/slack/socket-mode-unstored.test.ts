import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackInteractionsTotal } from '../../../src/slack/metrics.js';
import { FakeSlack } from '../../fakes/slack.js';
import { waitFor } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';
import { startInProcess, type Harness } from '../volume-resize/harness.js';

/**
 * A click arriving over Socket Mode while Redis cannot store it is not acknowledged, so Slack
 * sends the envelope again (the stand-in does as Slack does: the same envelope id, every 3 s,
 * up to 3 times); the retry after Redis is back is stored and worked. Acknowledging the first
 * delivery would have lost the click.
 */
describe('Socket Mode: a click that cannot be stored is left for Slack to re-send', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let aw: Harness | undefined;

  beforeAll(async () => {
    [redis, slack] = await Promise.all([RedisServer.start(), new FakeSlack().start()]);
    aw = await startInProcess(
      'redis: { prefix: "{smu}" }\n',
      { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: '#ops' },
      redis.url,
      '{smu}',
    );
    await waitFor('the Socket Mode connection', () => slack.socket.connections > 0, 30_000);
  });
  afterAll(async () => {
    redis?.resume();
    await aw?.stop();
    await Promise.all([redis?.destroy(), slack?.stop()]);
  });

  it('is not acknowledged while Redis is frozen, and is worked once Redis is back', async () => {
    // A well-formed button id that alertworks never issued: stored, then answered "unknown".
    const button = {
      text: 'Approve',
      value: randomBytes(16).toString('hex'),
      action_id: 'approve',
      message: { channel: 'C0OPS00001', ts: '1796000000.000001', text: 'x', blocks: [], updates: [] },
    };
    redis.pause();
    const envelope = slack.socketClick(button, { id: 'U0CLICKER', username: 'clicker' });
    // The product gives up storing after 2 s (counted as unavailable); the stand-in re-sends after 3 s.
    const unavailable = async () => (await slackInteractionsTotal.get()).values.find((v) => v.labels.outcome === 'unavailable')?.value ?? 0;
    const before = await unavailable();
    await waitFor('the delivery given up', async () => (await unavailable()) > before, 10_000);
    expect(slack.socket.acks.filter((a) => a.envelope_id === envelope)).toEqual([]);
    redis.resume();
    await waitFor('the re-sent envelope acknowledged', () => slack.socket.acks.some((a) => a.envelope_id === envelope), 15_000);
    await waitFor('the click worked', () => slack.ephemerals.some((e) => e.user === 'U0CLICKER' && /does not know this button/.test(e.text)), 15_000);
    expect(slack.ephemerals.filter((e) => e.user === 'U0CLICKER')).toHaveLength(1);
  });
});
