import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { fakeEnv, finishedJob, postAlerts, startInProcess, type Harness } from './volume-resize/harness.js';

const CONFIG = `
redis: { prefix: "{aws}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
  maxSizeGb: 80
  volumes:
    - { id: 201, name: data }
    - { id: 202, name: logs, maxSizeGb: 40 }
    - { name: scratch }
`;

/** What /status says about volumes comes from what the resize action records, through real Redis. */
describe('/status volumes after real resize jobs', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: Harness;

  const volumeRow = async (id: number | string) => {
    const html = await (await fetch(`${aw.url}/status`)).text();
    const row = html.split('\n').find((l) => l.includes(`<td data-col="volume">`) && (typeof id === 'number' ? l.includes(`#${id}<`) : l.includes(`>${id}<`)));
    return Object.fromEntries([...(row ?? '').matchAll(/<td data-col="(\w+)">([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]));
  };

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 100 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 201, name: 'data', size: 20 });
    hetzner.addVolume({ id: 202, name: 'logs', size: 40 });
    hetzner.addVolume({ id: 203, name: 'scratch', size: 20 });
    aw = await startInProcess(CONFIG, fakeEnv(hetzner, github, slack), redis.url, '{aws}');
  });
  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('lists the allowlist before any alert, without invented sizes', async () => {
    expect(await volumeRow(201)).toMatchObject({ volume: 'data #201', size: 'not seen yet', cap: '80', lastResize: 'none recorded' });
  });

  it('shows the new size, the resize and the cooldown after a resize', async () => {
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_201' } };
    expect(await postAlerts(aw.url, [alert])).toBe(200);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    const row = await volumeRow(201);
    expect(row).toMatchObject({ size: '30', cap: '80' });
    expect(row.lastResize).toMatch(/^20 → 30 GB, \d{4}-\d\d-\d\dT[\d:]+Z \(\d+s ago\)$/);
    expect(row.cooldown).toMatch(/^\d+ min left$/);
  });

  it('shows a volume at its cap as reached, with its size seen by the refused job', async () => {
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_202' } };
    expect(await postAlerts(aw.url, [alert])).toBe(200);
    await finishedJob(aw.queue, alert);
    expect(await volumeRow(202)).toMatchObject({ size: '40', cap: '40 (reached)', lastResize: 'none recorded' });
  });

  it('shows a volume allowlisted by name only once a job has seen it (read through the resize state, not re-derived keys)', async () => {
    expect(await volumeRow('scratch')).toMatchObject({ size: 'not seen yet', lastResize: 'none recorded' });
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_203' } };
    expect(await postAlerts(aw.url, [alert])).toBe(200);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    const row = await volumeRow('scratch');
    expect(row).toMatchObject({ volume: 'scratch', size: '30', cap: '80' });
    expect(row.lastResize).toMatch(/^20 → 30 GB, /);
    expect(row.cooldown).toMatch(/^\d+ min left$/);
  });
});
