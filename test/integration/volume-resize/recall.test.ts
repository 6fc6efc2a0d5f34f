import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { RedisServer } from '../../support/redis-server.js';
import { fakeEnv, finishedJob, postAlerts, startInProcess, type Harness } from './harness.js';

const CONFIG = (prefix: string, section: string) => `
redis: { prefix: "${prefix}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
${section}
`;

/**
 * Cooldown and hourly budget live in Redis; when Redis has lost them, Hetzner's own record of
 * `resize_volume` actions decides before any resize.
 */
describe('volume-resize recalls cooldown and budget from Hetzner when Redis has no record', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  const running: Harness[] = [];
  const start = async (prefix: string, section: string) => {
    const h = await startInProcess(CONFIG(prefix, section), fakeEnv(hetzner, github, slack), redis.url, prefix);
    running.push(h);
    return h;
  };
  const accepted = (id: number) => hetzner.acceptedResizes().filter((c) => c.path === `/volumes/${id}/actions/resize`);

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 100 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    for (const id of [401, 402, 403, 404, 405]) hetzner.addVolume({ id, name: `v${id}`, size: 20 });
  });
  afterAll(async () => {
    for (const h of running) await h.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('a resize, then Redis loses everything: the next alert is inside the cooldown, no second resize', async () => {
    const aw = await start('{recall}', '  cooldown: 1h\n  hourlyBudget: 10\n  volumes: [{ id: 401 }]');
    const first = { labels: { volume_id: '401' }, startsAt: '2026-11-22T05:00:00Z' };
    await postAlerts(aw.url, [first]);
    expect((await finishedJob(aw.queue, first)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });

    const admin = redis.client();
    await admin.flushall();
    admin.disconnect();

    const second = { labels: { volume_id: '401' }, startsAt: '2026-11-22T05:10:00Z' };
    await postAlerts(aw.url, [second]);
    const done = await finishedJob(aw.queue, second);
    expect(done.result).toMatchObject({ outcome: 'cooldown' });
    expect(Number(done.result?.remainingMs)).toBeGreaterThan(50 * 60_000);
    expect(accepted(401)).toHaveLength(1);
  });

  it('resizes of other allowlisted volumes in the last hour count against the budget', async () => {
    // 402 grew 20 minutes ago (its Redis record is gone); its cooldown is over, the hour is not.
    hetzner.addPastAction(402, { started: new Date(Date.now() - 20 * 60_000) });
    const aw = await start('{recallbudget}', '  cooldown: 10m\n  hourlyBudget: 1\n  volumes: [{ id: 402 }, { id: 403 }]');
    const alert = { labels: { volume_id: '403' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'budget_exhausted' });
    expect(accepted(403)).toHaveLength(0);
  });

  it('a resize older than the cooldown and the hour stops nothing; a failed one never counts', async () => {
    hetzner.addPastAction(404, { started: new Date(Date.now() - 3 * 3_600_000) });
    hetzner.addPastAction(405, { started: new Date(Date.now() - 5 * 60_000), status: 'error' });
    const aw = await start('{recallold}', '  cooldown: 1h\n  hourlyBudget: 2\n  volumes: [{ id: 404 }, { id: 405 }]');
    const a = { labels: { volume_id: '404' } };
    const b = { labels: { volume_id: '405' } };
    await postAlerts(aw.url, [a, b]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'resized' });
    expect((await finishedJob(aw.queue, b)).result).toMatchObject({ outcome: 'resized' });
  });
});
