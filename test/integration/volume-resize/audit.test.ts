import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeGrafana } from '../../fakes/grafana.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { waitFor } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';
import { fakeEnv, finishedJob, postAlerts, startInProcess, type Harness, type TestAlert } from './harness.js';

const TF = 'resource "hcloud_volume" "grow" {\n  name = "grow"\n  size = 20\n}\n';

interface AuditJson {
  kind: string;
  summary: string;
  action: string;
  resource?: string;
  sender?: string;
  route?: string;
  links?: Record<string, string>;
}

/**
 * Every volume-resize outcome leaves its audit record (read back through GET /api/audit), each
 * taken-in alert a `received` record, and the resize one Grafana annotation (the drift PR a
 * second); Grafana failing does not fail the resize.
 */
describe('volume-resize audit records and Grafana annotations', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let grafana: FakeGrafana;
  let aw: Harness;

  beforeAll(async () => {
    [redis, hetzner, github, slack, grafana] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 200 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
      new FakeGrafana().start(),
    ]);
    hetzner.addVolume({ id: 501, name: 'grow', size: 20 });
    hetzner.addVolume({ id: 502, name: 'full', size: 50 });
    hetzner.addVolume({ id: 503, name: 'rehearse', size: 20 });
    hetzner.addVolume({ id: 504, name: 'later', size: 20 });
    hetzner.addVolume({ id: 505, name: 'broken', size: 20 });
    github.addRepo('acme/infra', { 'terraform/volumes.tf': TF }, { workflows: ['volume-resize.yml'] });
    const yaml = `
redis: { prefix: "{awa}" }
jobs: { backoff: 100ms }
volumeResize:
  actionPollInterval: 100ms
  hourlyBudget: 2
  volumes:
    - { id: 505 }
    - { id: 501, terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.grow } }
    - { id: 502, maxSizeGb: 50 }
    - { id: 503, dryRun: true }
    - { id: 504 }
`;
    aw = await startInProcess(yaml, { ...fakeEnv(hetzner, github, slack), GRAFANA_URL: grafana.url, GRAFANA_TOKEN: grafana.token }, redis.url, '{awa}');
  });
  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop(), grafana?.stop()]);
  });

  const audit = async (query: string) => ((await (await fetch(`${aw.url}/api/audit?${query}`)).json()) as { records: AuditJson[] }).records;
  const outcome = async (alert: TestAlert) => (await finishedJob(aw.queue, alert)).result?.outcome;

  it('records each outcome once, with the links of a resize, and annotates the resize in Grafana', async () => {
    // Hetzner's resize action ends in an error: the job fails for good (no retry).
    hetzner.failNextResizeAction('action_failed', 'Action failed');
    const broken = { labels: { volume_id: '505' } };
    await postAlerts(aw.url, [broken]);
    expect((await finishedJob(aw.queue, broken)).state).toBe('failed');
    // Grafana fails the next annotation (the resize's): the resize still succeeds.
    grafana.failNext.push(503);
    const grow = { labels: { volume_id: '501' } };
    await postAlerts(aw.url, [grow]);
    expect(await outcome(grow)).toBe('resized');
    const again = { labels: { volume_id: '501' }, startsAt: '2026-11-22T06:00:00Z' };
    const cases: [TestAlert, string][] = [
      [again, 'cooldown'],
      [{ labels: { volume_id: '502' } }, 'limit_reached'],
      [{ labels: { volume_id: '503' } }, 'dry_run'],
      [{ labels: { volume_id: '504' } }, 'budget_exhausted'],
      [{ labels: { volume_id: '999' } }, 'refused'],
      [{ labels: { volume_id: '501' }, status: 'resolved' }, 'resolved'],
    ];
    for (const [alert, expected] of cases) {
      await postAlerts(aw.url, [alert]);
      expect(await outcome(alert)).toBe(expected);
    }

    const records = await waitFor('every record', async () => {
      const r = await audit('action=volume-resize&since=1h');
      return r.length >= 9 ? r : undefined;
    });
    expect(records.map((r) => [r.kind, r.resource]).reverse()).toEqual([
      ['failed', undefined],
      ['resized', 'volume 501'],
      ['drift_pr', 'volume 501'],
      ['cooldown', 'volume 501'],
      ['limit_reached', 'volume 502'],
      ['dry_run', 'volume 503'],
      ['budget_exhausted', 'volume 504'],
      ['refused', 'volume 999 (from label volume_id)'],
      ['resolved', 'volume 501'],
    ]);
    const resized = records.find((r) => r.kind === 'resized')!;
    expect(resized.links).toEqual({
      hetznerAction: expect.stringMatching(/^\d+$/),
      pr: github.pulls('acme/infra')[0]!.html_url,
      slackThread: expect.stringMatching(/^C0OPS00001\/\d+\.\d+$/),
    });
    expect(resized).toMatchObject({ sender: 'alertworks', route: 'volume-resize' });

    const received = await waitFor('the received records', async () => {
      const r = await audit('kind=received');
      return r.length >= cases.length + 2 ? r : undefined;
    });
    expect(received).toHaveLength(cases.length + 2);
    expect(records.at(-1)).toMatchObject({
      summary: expect.stringMatching(/^volume-resize failed: hetzner_action_failed: resize of volume 505 failed: action \d+ ended with action_failed/),
    });
    expect(received.every((r) => r.sender === 'alertworks' && r.route === 'volume-resize')).toBe(true);

    // The resize's annotation failed (503) and was not retried; the drift PR's got through.
    await waitFor('the drift PR annotation', () => grafana.annotations.length === 1);
    expect(grafana.annotations.map((a) => a.tags)).toEqual([['alertworks', 'volume-resize', 'drift-pr', 'volume-501']]);
  });
});
