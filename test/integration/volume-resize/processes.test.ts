import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { RedisServer } from '../../support/redis-server.js';
import { ServiceProcess } from '../../support/service.js';
import { fakeEnv, finishedJob, payload } from './harness.js';

const PREFIX = '{awp}';
const CONFIG = `
redis: { prefix: "${PREFIX}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
  volumes:
    - { id: 201, name: storm }
    - { id: 202, name: crash }
    - { id: 203, name: many }
`;

/**
 * alertworks as real processes: two replicas sharing one Redis under a webhook storm, and a
 * worker killed with SIGKILL right after its resize call reached Hetzner.
 */
describe('volume-resize across processes', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let queue: Queue;
  let env: Record<string, string>;
  const services: ServiceProcess[] = [];
  const start = async () => {
    const s = await ServiceProcess.start({ config: CONFIG, env, insecureNoAuth: true });
    services.push(s);
    return s;
  };

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 300 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 201, name: 'storm', size: 20 });
    hetzner.addVolume({ id: 202, name: 'crash', size: 20 });
    hetzner.addVolume({ id: 203, name: 'many', size: 20 });
    env = { ...fakeEnv(hetzner, github, slack), REDIS_URL: redis.url };
    queue = new Queue('volume-resize', { connection: { url: redis.url } as never, prefix: PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('50 identical webhooks at once against 2 replicas: exactly one resize call', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_201' } };
    const body = JSON.stringify(payload([alert]));
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${(i % 2 ? a : b)!.url}/hooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await finishedJob(queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/201/actions/resize')).toHaveLength(1);
    expect(slack.messages.filter((m) => m.text.includes('Growing volume `storm`'))).toHaveLength(1);
  }, 90_000);

  it('20 different alerts about one volume at once (new jobs, not duplicates): one resize, the rest cooldown', async () => {
    const [a, b] = services;
    const alerts = Array.from({ length: 20 }, (_, i) => ({ labels: { volume_id: '203', instance: `node-${i}` } }));
    await Promise.all(
      alerts.map((alert, i) =>
        fetch(`${(i % 2 ? a : b)!.url}/hooks/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload([alert])),
        }),
      ),
    );
    const finished = await Promise.all(alerts.map((alert) => finishedJob(queue, alert, 60_000)));
    const outcomes = finished.map((f) => f.result?.outcome ?? f.reason);
    expect(
      outcomes.filter((o) => o === 'resized'),
      String(outcomes),
    ).toHaveLength(1);
    expect(
      outcomes.filter((o) => o === 'cooldown'),
      String(outcomes),
    ).toHaveLength(19);
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/203/actions/resize')).toHaveLength(1);
    await Promise.all([a!.stop(), b!.stop()]);
  }, 90_000);

  it('a worker SIGKILLed right after the resize POST: after restart no second resize, and the job completes', async () => {
    const first = await start();
    let killed = false;
    hetzner.onResize = async (id) => {
      if (id !== 202 || killed) return;
      killed = true;
      await first.stop('SIGKILL');
    };
    const alert = { labels: { volume_id: '202' } };
    const res = await fetch(`${first.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload([alert])),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => killed, { timeout: 20_000 }).toBe(true);

    const second = await start();
    const done = await finishedJob(queue, alert, 90_000);
    // The restarted worker found the intent, asked Hetzner, and resumed the action it found.
    expect(second.logsWith('resize was issued before the job stopped: resuming it')).toHaveLength(1);
    expect(done.result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/202/actions/resize')).toHaveLength(1);
    expect(hetzner.volumes.get(202)?.size).toBe(30);
    const thread = slack.threads().find((t) => t.root.text.includes('`crash` (202)'));
    expect(thread?.replies.filter((r) => r.text.includes('resized volume `crash`'))).toHaveLength(1);
  }, 150_000);
});
