import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { freePort, waitFor } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';
import { fakeEnv, finishedJob, jobId, postAlerts, startInProcess, type Harness } from '../volume-resize/harness.js';

describe('silence check when Alertmanager cannot be asked', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let closedUrl: string;
  const running: Harness[] = [];
  const start = async (prefix: string, alertmanager: string, volume: number, env: Record<string, string> = {}) => {
    const yaml = `redis: { prefix: "${prefix}" }\njobs: { backoff: 100ms }\nalertmanager: { url: "${closedUrl}", timeout: 500ms${alertmanager} }\nvolumeResize:\n  actionPollInterval: 100ms\n  volumes: [{ id: ${volume}, filesystem: {} }]\n`;
    const h = await startInProcess(yaml, { ...fakeEnv(hetzner, github, slack), GITHUB_TOKEN: '', ...env }, redis.url, prefix);
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
    hetzner.addVolume({ id: 501, name: 'v501', size: 20 });
    hetzner.addVolume({ id: 502, name: 'v502', size: 20 });
    hetzner.addVolume({ id: 503, name: 'v503', size: 20 });
    // Nothing listens there: every request is refused.
    closedUrl = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    for (const h of running) await h.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('default (act): resizes and says in the thread that the silence check could not be made', async () => {
    const aw = await start('{awu1}', '', 501);
    const alert = { labels: { volume_id: '501' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized' });
    expect(
      slack.messages.some((m) =>
        m.text.includes('Could not ask Alertmanager whether the alert for volume `501` (501) is silenced (alertmanager_unreachable); acting anyway'),
      ),
    ).toBe(true);
  });

  it("the message that opens the thread is the alert's first: its buttons (interactivity on) and its links", async () => {
    const aw = await start('{awu3}', '', 503, { SLACK_SIGNING_SECRET: slack.signingSecret });
    const alert = { labels: { volume_id: '503' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized' });
    const thread = slack.threads().find((t) => t.root.text.includes('volume `503` (503) is silenced'));
    expect(thread?.root.text).toContain('acting anyway');
    expect(
      slack
        .buttons()
        .filter((b) => b.message === thread?.root)
        .map((b) => b.text),
    ).toContain('Acknowledge');
    expect(JSON.stringify(thread?.root.blocks)).toContain('<http://alertmanager.test/|Alertmanager>');
  });

  it('onUnreachable: wait: changes nothing and retries later', async () => {
    const aw = await start('{awu2}', ', onUnreachable: wait', 502);
    const alert = { labels: { volume_id: '502' } };
    await postAlerts(aw.url, [alert]);
    await waitFor('the job to be delayed', async () => {
      const job = await aw.queue.getJob(jobId(alert));
      return job && (await job.getState()) === 'delayed';
    });
    expect(hetzner.resizePosts().filter((c) => c.path.includes('/502/'))).toEqual([]);
    expect(hetzner.calls.filter((c) => c.path.includes('/volumes/502'))).toEqual([]);
  });
});
