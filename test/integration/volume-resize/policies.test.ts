import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { RedisServer } from '../../support/redis-server.js';
import { waitFor } from '../../support/ports.js';
import { VolumeResizeState, type ResizeIntent } from '../../../actions/volume-resize/state.js';
import { fakeEnv, finishedJob, jobId, postAlerts, startInProcess, type Harness } from './harness.js';

const config = (prefix: string, volumeResize: string) => `
redis: { prefix: "${prefix}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
${volumeResize}
`;

describe('volume-resize policies: budget, global dry-run, no token, volume not ready', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  const running: Harness[] = [];
  const start = async (prefix: string, section: string, env: Record<string, string> = {}) => {
    const h = await startInProcess(config(prefix, section), { ...fakeEnv(hetzner, github, slack), ...env }, redis.url, prefix);
    running.push(h);
    return h;
  };
  const posts = (id: number) => hetzner.resizePosts().filter((c) => c.path === `/volumes/${id}/actions/resize`);

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 200 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    for (const id of [301, 302, 303, 304, 305, 306, 307, 308, 309]) hetzner.addVolume({ id, name: `v${id}`, size: 20 });
  });
  afterAll(async () => {
    for (const h of running) await h.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('stops every resize beyond the hourly budget and says so', async () => {
    const aw = await start('{awb}', '  hourlyBudget: 1\n  volumes: [{ id: 301 }, { id: 302 }]');
    const a = { labels: { volume_id: '301' } };
    const b = { labels: { volume_id: '302' } };
    await postAlerts(aw.url, [a]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'resized' });
    await postAlerts(aw.url, [b]);
    expect((await finishedJob(aw.queue, b)).result).toMatchObject({ outcome: 'budget_exhausted' });
    expect(posts(302)).toEqual([]);
    expect(
      slack.messages.some((m) =>
        m.text.includes('Not growing volume `v302` (302) (20 → 30 GB): the budget of 1 resizes per hour across all volumes is used up'),
      ),
    ).toBe(true);
  });

  it('global DRY_RUN plans and reports, calls nothing that changes anything', async () => {
    const aw = await start('{awd}', '  volumes: [{ id: 303 }]', { DRY_RUN: 'true' });
    const a = { labels: { volume_id: '303' } };
    await postAlerts(aw.url, [a]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'dry_run', fromGb: 20, toGb: 30 });
    expect(posts(303)).toEqual([]);
    expect(
      slack.messages.some((m) => m.text.includes('*Dry run* (DRY_RUN=true in the environment): would grow volume `v303` (303) from *20 GB* to *30 GB*')),
    ).toBe(true);
  });

  it('names where a dry run came from: the file, or the volume', async () => {
    const aw = await start('{awf}', '  volumes: [{ id: 308 }]\ndryRun: true');
    const a = { labels: { volume_id: '308' } };
    await postAlerts(aw.url, [a]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'dry_run' });
    expect(slack.messages.some((m) => m.text.includes('*Dry run* (dryRun: true in test.yaml): would grow volume `v308` (308)'))).toBe(true);
    const av = await start('{awv}', '  volumes: [{ id: 309, dryRun: true }]');
    const b = { labels: { volume_id: '309' } };
    await postAlerts(av.url, [b]);
    expect((await finishedJob(av.queue, b)).result).toMatchObject({ outcome: 'dry_run' });
    expect(slack.messages.some((m) => m.text.includes('*Dry run* (dryRun: true for volume 309 in volumeResize): would grow volume `v309` (309)'))).toBe(true);
    expect(posts(308)).toEqual([]);
    expect(posts(309)).toEqual([]);
  });

  it('without HCLOUD_TOKEN runs as dry-run and says so', async () => {
    const aw = await start('{awn}', '  volumes: [{ id: 304 }, { name: v305 }]', { HCLOUD_TOKEN: '' });
    const a = { labels: { volume_id: '304' } };
    const byName = { labels: { volume: 'v305' } };
    await postAlerts(aw.url, [a, byName]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'dry_run' });
    expect((await finishedJob(aw.queue, byName)).result).toMatchObject({ outcome: 'dry_run' });
    expect(posts(304)).toEqual([]);
    expect(
      slack.messages.some((m) =>
        m.text.includes('*Dry run* (no HCLOUD_TOKEN): volume `304` (304) is allowlisted but its size cannot be read: hetzner_unauthorized'),
      ),
    ).toBe(true);
    expect(slack.messages.some((m) => m.text.includes('*Dry run* (no HCLOUD_TOKEN): cannot tell whether volume "v305" is in the allowlist'))).toBe(true);
  });

  it('a volume that is not `available` is retried later, not planned', async () => {
    hetzner.volumes.get(305)!.status = 'creating';
    const aw = await start('{awr}', '  volumes: [{ id: 305 }]');
    const a = { labels: { volume_id: '305' } };
    await postAlerts(aw.url, [a]);
    const job = await waitFor('job delayed', async () => {
      const j = await aw.queue.getJob(jobId(a));
      return j && (await j.getState()) === 'delayed' ? j : undefined;
    });
    expect(posts(305)).toEqual([]);
    expect(slack.messages.some((m) => m.text.includes('(305)'))).toBe(false);
    hetzner.volumes.get(305)!.status = 'available';
    await job.promote();
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
  });

  it('a left-over intent: never calls again when the volume already grew; drops it when the call never reached Hetzner', async () => {
    const aw = await start('{awi}', '  volumes: [{ id: 306 }, { id: 307 }]');
    const client = redis.client();
    const state = new VolumeResizeState(client, '{awi}');
    const intent = (id: number, toGb: number): ResizeIntent => ({
      volumeId: id,
      volumeName: String(id),
      fromGb: 20,
      toGb,
      issuedAt: Date.now() - 5_000,
      budgetMember: `${id}:x`,
      linuxDevice: `/dev/disk/by-id/scsi-0HC_Volume_${id}`,
      owner: 'an-earlier-job',
    });
    hetzner.volumes.get(306)!.size = 30; // grew, but the earlier job never saw the answer
    await state.saveIntent(intent(306, 30));
    await state.startCooldown(306, 3_600_000);
    await state.saveIntent(intent(307, 30)); // the earlier job stopped before its call
    await state.startCooldown(307, 3_600_000);

    const a = { labels: { volume_id: '306' } };
    const b = { labels: { volume_id: '307' } };
    await postAlerts(aw.url, [a, b]);
    expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(posts(306)).toEqual([]);
    expect((await finishedJob(aw.queue, b)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(posts(307).map((c) => c.status)).toEqual([201]);
    expect(await state.getIntent(306)).toBeUndefined();
    expect(await state.getIntent(307)).toBeUndefined();
    client.disconnect();
  });
});
