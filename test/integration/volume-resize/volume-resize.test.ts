import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { RedisServer } from '../../support/redis-server.js';
import { fakeEnv, finishedJob, postAlerts, resizeCount, sizeGauge, startInProcess, type Harness } from './harness.js';

const TF = `resource "hcloud_volume" "data" {
  name     = "data"
  size     = 20
  location = "fsn1"
}
`;

const CONFIG = (redisPrefix: string, extra = '') => `
redis: { prefix: "${redisPrefix}" }
jobs: { backoff: 100ms, attempts: 8 }
volumeResize:
  actionPollInterval: 100ms
  hourlyBudget: 100
${extra}
  volumes:
    - id: 101
      name: data
      filesystem: { workflow: { repo: acme/infra, workflow: volume-resize.yml, ref: main } }
      terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.data }
    - { id: 102, name: capped }
    - { id: 103, name: full }
    - { id: 104, name: rehearsal, dryRun: true }
    - { id: 105, name: flaky }
    - { id: 106, name: refused-by-api }
    - { name: by-name }
    - { id: 108, name: action-fails }
    - { id: 110, name: chatty }
    - id: 109
      name: drifted
      filesystem: { workflow: { repo: acme/infra, workflow: volume-resize.yml } }
      terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.missing }
`;

describe('volume-resize against real Redis and the fake Hetzner, GitHub and Slack APIs', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: Harness;

  const threadOf = (needle: string) => slack.threads().find((t) => t.root.text.includes(needle));
  const texts = (needle: string) => {
    const t = threadOf(needle);
    return t ? [t.root.text, ...t.replies.map((r) => r.text)] : [];
  };

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 300 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    github.addRepo('acme/infra', { 'terraform/volumes.tf': TF }, { workflows: ['volume-resize.yml'] });
    hetzner.addVolume({ id: 101, name: 'data', size: 20 });
    hetzner.addVolume({ id: 102, name: 'capped', size: 95 });
    hetzner.addVolume({ id: 103, name: 'full', size: 100 });
    hetzner.addVolume({ id: 104, name: 'rehearsal', size: 40 });
    hetzner.addVolume({ id: 105, name: 'flaky', size: 50 });
    hetzner.addVolume({ id: 106, name: 'refused-by-api', size: 30 });
    hetzner.addVolume({ id: 107, name: 'by-name', size: 10 });
    hetzner.addVolume({ id: 108, name: 'action-fails', size: 30 });
    hetzner.addVolume({ id: 109, name: 'drifted', size: 40 });
    hetzner.addVolume({ id: 110, name: 'chatty', size: 20 });
    hetzner.addVolume({ id: 999, name: 'not-listed', size: 10 });
    aw = await startInProcess(CONFIG('{awt}'), fakeEnv(hetzner, github, slack), redis.url, '{awt}');
  });
  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('grows 20 -> 30 GB once, dispatches the workflow, opens one PR, and reports each step in one thread', async () => {
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_101', instance: 'db-1' } };
    expect(await postAlerts(aw.url, [alert])).toBe(200);
    const done = await finishedJob(aw.queue, alert);
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ outcome: 'resized', volume: 101, fromGb: 20, toGb: 30 });

    expect(hetzner.volumes.get(101)?.size).toBe(30);
    expect(
      hetzner
        .resizePosts()
        .filter((c) => c.path === '/volumes/101/actions/resize')
        .map((c) => c.body),
    ).toEqual([{ size: 30 }]);
    expect(github.dispatches).toEqual([
      {
        repo: 'acme/infra',
        workflow: 'volume-resize.yml',
        ref: 'main',
        inputs: { volume_id: '101', size_gb: '30', linux_device: '/dev/disk/by-id/scsi-0HC_Volume_101' },
      },
    ]);
    const pulls = github.pulls('acme/infra');
    expect(pulls).toHaveLength(1);
    expect(github.fileAt('acme/infra', pulls[0]!.head, 'terraform/volumes.tf')).toBe(TF.replace('size     = 20', 'size     = 30'));

    const thread = texts('`data` (101)');
    expect(thread).toHaveLength(4);
    expect(thread[0]).toMatch(/Growing volume `data` \(101\) from \*20 GB\* to \*30 GB\* \(cap 100 GB, step 25% \/ at least 10 GB, cooldown 1h\)/);
    expect(thread[1]).toMatch(/resized volume `data` \(101\) from 20 GB to \*30 GB\* \(action \d+\)/);
    expect(thread[2]).toContain('workflow `volume-resize.yml` in `acme/infra`');
    expect(thread[3]).toContain(`<${pulls[0]!.html_url}|#${pulls[0]!.number}>`);
    expect(await resizeCount('data', 'resized')).toBe(1);
    expect(await sizeGauge('data')).toBe(30);
  });

  it('inside the cooldown records `cooldown` and does nothing more', async () => {
    const before = slack.messages.length;
    const again = { labels: { volume_id: '101' }, startsAt: '2026-11-22T05:10:00Z' };
    await postAlerts(aw.url, [again]);
    expect((await finishedJob(aw.queue, again)).result).toMatchObject({ outcome: 'cooldown' });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/101/actions/resize')).toHaveLength(1);
    expect(slack.messages.length).toBe(before);
    expect(await resizeCount('data', 'cooldown')).toBe(1);
  });

  it('says so in the thread when the alert resolves', async () => {
    await postAlerts(aw.url, [{ labels: { mountpoint: '/mnt/HC_Volume_101', instance: 'db-1' }, status: 'resolved' }]);
    const done = await finishedJob(aw.queue, { labels: { mountpoint: '/mnt/HC_Volume_101', instance: 'db-1' }, status: 'resolved' });
    expect(done.result).toMatchObject({ outcome: 'resolved' });
    expect(texts('`data` (101)').at(-1)).toContain('Resolved: usage of volume `data` (101)');
  });

  it('refuses a volume that is not in the allowlist, with a message and a metric, and no mutating call', async () => {
    const alert = { labels: { volume_id: '999' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'refused' });
    expect(hetzner.calls.filter((c) => c.path.startsWith('/volumes/999') && c.method !== 'GET')).toEqual([]);
    expect(slack.messages.some((m) => m.text.includes('volume 999 (from label volume_id) is not in the `volumeResize.volumes` allowlist'))).toBe(true);
    // Senders choose references: they share the one `other` series.
    expect(await resizeCount('other', 'refused')).toBeGreaterThanOrEqual(1);
    expect(await resizeCount('999', 'refused')).toBe(0);
  });

  it('grows 95 -> 100 with cap 100, then at 100 makes no call and warns once per cooldown window', async () => {
    const first = { labels: { volume_id: '102' } };
    await postAlerts(aw.url, [first]);
    expect((await finishedJob(aw.queue, first)).result).toMatchObject({ outcome: 'resized', fromGb: 95, toGb: 100 });

    const full1 = { labels: { volume_id: '103' }, startsAt: '2026-11-22T05:01:00Z' };
    const full2 = { labels: { volume_id: '103' }, startsAt: '2026-11-22T05:02:00Z' };
    await postAlerts(aw.url, [full1]);
    expect((await finishedJob(aw.queue, full1)).result).toMatchObject({ outcome: 'limit_reached', sizeGb: 100, capGb: 100 });
    await postAlerts(aw.url, [full2]);
    expect((await finishedJob(aw.queue, full2)).result).toMatchObject({ outcome: 'limit_reached' });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/103/actions/resize')).toEqual([]);
    expect(slack.messages.filter((m) => m.text.includes('`full` (103) is full and already at its cap'))).toHaveLength(1);
    expect(await resizeCount('full', 'limit_reached')).toBe(2);
  });

  it('dry-run for one volume: plans and reports, changes nothing', async () => {
    const alert = { labels: { device: '/dev/disk/by-id/scsi-0HC_Volume_104' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'dry_run', fromGb: 40, toGb: 50 });
    expect(hetzner.resizePosts().filter((c) => c.path.startsWith('/volumes/104'))).toEqual([]);
    expect(texts('`rehearsal` (104)')[0]).toMatch(
      /Dry run\* \(dryRun: true for volume rehearsal in volumeResize\): would grow volume `rehearsal` \(104\) from \*40 GB\* to \*50 GB\*/,
    );
    expect(await resizeCount('rehearsal', 'dry_run')).toBe(1);
  });

  it('finds a volume allowlisted by name through its id in the mountpoint', async () => {
    const alert = { labels: { mountpoint: '/mnt/HC_Volume_107' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 10, toGb: 20 });
    expect(texts('`by-name` (107)').at(-1)).toContain('sudo resize2fs /dev/disk/by-id/scsi-0HC_Volume_107');
  });

  it('429 with reset, 503 and locked on the resize call: exactly one resize in the end', async () => {
    const resize105 = /^POST \/volumes\/105\/actions\/resize$/;
    hetzner.failNext(1, 'rate_limit', { match: resize105, resetInSeconds: 1 });
    hetzner.failNext(1, 'unavailable', { match: resize105 });
    hetzner.failNext(1, 'locked', { match: resize105 });
    const alert = { labels: { volume_id: '105' } };
    await postAlerts(aw.url, [alert]);
    const done = await finishedJob(aw.queue, alert, 45_000);
    expect(done.result).toMatchObject({ outcome: 'resized', fromGb: 50, toGb: 63 });
    const posts = hetzner.resizePosts().filter((c) => c.path === '/volumes/105/actions/resize');
    expect(posts.map((c) => c.status)).toEqual([429, 503, 423, 201]);
    expect(hetzner.volumes.get(105)?.size).toBe(63);
    expect(texts('`flaky` (105)').filter((t) => t.includes('Growing'))).toHaveLength(1);
  });

  it('invalid_input: no retry, the thread explains, the cooldown is lifted', async () => {
    hetzner.failNext(1, 'invalid_input', { match: /^POST \/volumes\/106\/actions\/resize$/ });
    const alert = { labels: { volume_id: '106' } };
    await postAlerts(aw.url, [alert]);
    const done = await finishedJob(aw.queue, alert);
    expect(done.state).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/106/actions/resize')).toHaveLength(1);
    expect(texts('`refused-by-api` (106)').at(-1)).toContain(
      'failed and will not be retried: hetzner_invalid_input: Hetzner API 400 invalid_input: invalid input in field size (size: must be greater than the current size)',
    );
    expect(await resizeCount('refused-by-api', 'failed')).toBe(1);
  });

  it('a resize action that ends in error: no retry, the thread gives its error, the cooldown stays', async () => {
    hetzner.failNextResizeAction('action_failed', 'volume resize failed on the storage backend');
    const alert = { labels: { volume_id: '108' } };
    await postAlerts(aw.url, [alert]);
    const done = await finishedJob(aw.queue, alert);
    expect(done.state).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(texts('`action-fails` (108)').at(-1)).toMatch(
      /failed and will not be retried: action \d+ ended with action_failed: volume resize failed on the storage backend\. Nothing else was done; the cooldown stays\./,
    );
    const again = { labels: { volume_id: '108' }, startsAt: '2026-11-22T05:30:00Z' };
    await postAlerts(aw.url, [again]);
    expect((await finishedJob(aw.queue, again)).result).toMatchObject({ outcome: 'cooldown' });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/108/actions/resize')).toHaveLength(1);
  });

  it('Terraform block not found and a GitHub 502: the workflow is retried, the PR step fails with its reason, the resize stands', async () => {
    github.failNext(1, 502, /dispatches$/);
    const dispatchesBefore = github.dispatches.length;
    const alert = { labels: { volume_id: '109' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 40, toGb: 50 });
    expect(github.dispatches.length - dispatchesBefore).toBe(1);
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/109/actions/resize')).toHaveLength(1);
    const thread = texts('`drifted` (109)');
    expect(thread.filter((t) => t.includes('Hetzner resized'))).toHaveLength(1);
    expect(thread.at(-1)).toContain(
      'The Terraform drift PR failed: acme/infra/terraform/volumes.tf: resource "hcloud_volume" "missing" not found (terraform_not_found). The resize stands.',
    );
  });

  it('Slack rate-limits the first message: the job comes back, says every step once, resizes once', async () => {
    const refusedBefore = slack.calls.filter((c) => !c.ok).length;
    slack.injectFaults({ kind: 'ratelimit', retryAfterSeconds: 1 });
    const alert = { labels: { volume_id: '110' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/110/actions/resize')).toHaveLength(1);
    expect(slack.calls.filter((c) => !c.ok).length - refusedBefore).toBe(1);
    const thread = texts('`chatty` (110)');
    expect(thread[0]).toContain('Growing volume `chatty` (110) from *20 GB* to *30 GB*');
    expect(thread.filter((t) => t.includes('Growing'))).toHaveLength(1);
    expect(thread.filter((t) => t.includes('Hetzner resized'))).toHaveLength(1);
    expect(thread.at(-1)).toContain('sudo resize2fs /dev/disk/by-id/scsi-0HC_Volume_110');
  });
});
