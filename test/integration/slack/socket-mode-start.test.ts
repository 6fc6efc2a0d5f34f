import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack.js';
import { freePort, waitFor } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';
import { startInProcess, type Harness } from '../volume-resize/harness.js';

describe('Socket Mode when Slack cannot be reached at start', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let aw: Harness | undefined;

  beforeAll(async () => {
    [redis, slack] = await Promise.all([RedisServer.start(), new FakeSlack().start()]);
  });
  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), slack?.stop()]);
  });

  it('the workers start anyway; the connection is retried', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/api/`;
    aw = await startInProcess(
      'redis: { prefix: "{sms}" }\n',
      { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: closed },
      redis.url,
      '{sms}',
    );
    const res = await waitFor('readiness', async () => {
      const r = await fetch(`${aw!.url}/readyz`);
      return r.ok ? r : undefined;
    });
    expect(res.status).toBe(200);
    expect(slack.socket.connections).toBe(0);
  });
});
