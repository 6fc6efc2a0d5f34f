import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { TOKEN } from './helpers.js';

/**
 * A resize with a 1 h cooldown, then Redis restarts empty (no persistence): the cooldown key,
 * the budget and every job record are gone. The next alert must not resize the volume again:
 * Hetzner's record of the resize restores the cooldown.
 */
describe('Redis restarted empty after a resize', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let service: ServiceProcess;

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 200 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 4711, name: 'data', size: 20 });
    service = await ServiceProcess.start({
      role: 'all',
      config: `redis: { url: "${redis.url}" }\nserver: { host: 127.0.0.1 }\njobs: { backoff: 200ms }\nvolumeResize:\n  cooldown: 1h\n  actionPollInterval: 100ms\n  volumes: [{ id: 4711 }]\n`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        HCLOUD_TOKEN: hetzner.token,
        HCLOUD_ENDPOINT: hetzner.url,
        GITHUB_TOKEN: github.token,
        GITHUB_API_URL: github.url,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  const post = (startsAt: string) =>
    fetch(`${service.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'alertworks',
        groupKey: '{}:{alertname="VolumeUsageCritical"}',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'VolumeUsageCritical', mountpoint: '/mnt/HC_Volume_4711' },
            annotations: {},
            startsAt,
            fingerprint: 'vol4711',
          },
        ],
      }),
    });
  const outcomes = () =>
    service
      .logsWith('job done')
      .filter((l) => l.action === 'volume-resize')
      .map((l) => l.outcome);

  it("the next alert finds the cooldown in Hetzner's actions: no second resize", async () => {
    expect((await post('2026-11-22T05:00:00Z')).status).toBe(200);
    await waitFor('the first resize', () => outcomes().includes('resized'), 30_000, 50);
    expect(hetzner.acceptedResizes()).toHaveLength(1);
    const before = redis.client();
    expect(await before.exists('{alertworks}:volume-resize:cooldown:4711')).toBe(1);
    before.disconnect();

    await redis.stop('SIGKILL');
    await redis.restart();
    const admin = redis.client();
    // Nothing of the first resize is left in Redis (no alert has arrived since, so nothing wrote it again).
    expect(await admin.exists('{alertworks}:volume-resize:cooldown:4711', '{alertworks}:volume-resize:budget', '{alertworks}:volume-resize:history:4711')).toBe(
      0,
    );
    admin.disconnect();

    // The receiver answers 503 until its connection is back; Alertmanager would retry, so do we.
    await waitFor('the receiver to take the alert', async () => (await post('2026-11-22T05:20:00Z')).status === 200, 30_000, 200);
    await waitFor('the second alert to be handled', () => outcomes().length >= 2, 30_000, 50);
    expect(outcomes()).toEqual(['resized', 'cooldown']);
    expect(hetzner.acceptedResizes()).toHaveLength(1);
  });
});
