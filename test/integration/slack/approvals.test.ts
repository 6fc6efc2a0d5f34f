import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../src/observability/metrics.js';
import { FakeGitHub } from '../../fakes/github.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { FakeSlack } from '../../fakes/slack.js';
import { signedInteraction, blockActionsPayload, sendSigned } from '../../fakes/slack-interactions.js';
import { RedisServer } from '../../support/redis-server.js';
import { createRedis, waitForRedis } from '../../../src/redis.js';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import { waitFor } from '../../support/ports.js';
import { fakeEnv, finishedJob, postAlerts, startInProcess, type Harness } from '../volume-resize/harness.js';

const PREFIX = '{awapp}';
const APPROVER = { id: 'U0APPROVER', username: 'alice' };
const SECOND = { id: 'U0SECOND1', username: 'bob' };
const GROUP_MEMBER = { id: 'U0GROUPMEM', username: 'gina' };
const STRANGER = { id: 'U0STRANGER', username: 'mallory' };

/** Volumes 20 GB; the plan is 20 -> 30 GB; `aboveGb: 25` makes every one of them wait. */
const CONFIG = `
redis: { prefix: "${PREFIX}" }
jobs: { backoff: 100ms }
slack: { approvers: [U0APPROVER, U0SECOND1, S0OPSTEAM] }
volumeResize:
  actionPollInterval: 100ms
  approval: { aboveGb: 25 }
  volumes: [{ id: 401 }, { id: 402 }, { id: 403 }, { id: 404, approvalTimeout: 2s }, { id: 405 }, { id: 406 }, { id: 407, approval: never }]
`;

async function interactionCount(action: string, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('alertworks_slack_interactions_total')?.get();
  return metric?.values.find((v) => v.labels.action === action && v.labels.outcome === outcome)?.value ?? 0;
}

describe('Slack approvals for volume resizes (signed HTTP interactions)', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: Harness;
  const hook = () => `${aw.url}/hooks/slack/interactions`;
  const posts = (id: number) => hetzner.resizePosts().filter((c) => c.path === `/volumes/${id}/actions/resize`);
  const threadOf = (id: number) => slack.threads().find((t) => t.root.text.includes(`(${id})`));
  const approvalButton = (id: number, text: 'Approve' | 'Reject') => {
    const t = threadOf(id);
    return slack.buttons(text).find((b) => b.message === t?.root || t?.replies.includes(b.message));
  };
  const repliesOf = (id: number) => threadOf(id)?.replies.map((r) => r.text) ?? [];
  const waitingFor = async (id: number) => {
    const alert = { labels: { volume_id: String(id) } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'awaiting_approval', volume: id, toGb: 30 });
    return alert;
  };
  const approvedJob = async (approvalId: string) =>
    waitFor(
      'the approved resize job',
      async () => {
        const job = await aw.queue.getJob(`approved-${approvalId}`);
        return job && (await job.getState()) === 'completed' ? job : undefined;
      },
      30_000,
    );

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 100 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    for (const id of [401, 402, 403, 404, 405, 406, 407]) hetzner.addVolume({ id, name: `v${id}`, size: 20 });
    slack.usergroups.S0OPSTEAM = [GROUP_MEMBER.id];
    aw = await startInProcess(CONFIG, { ...fakeEnv(hetzner, github, slack), SLACK_SIGNING_SECRET: slack.signingSecret }, redis.url, PREFIX);
  });
  afterAll(async () => {
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('a resize above aboveGb waits with Approve / Reject and changes nothing', async () => {
    await waitingFor(401);
    expect(posts(401)).toEqual([]);
    expect(threadOf(401)?.root.text).toContain('Approval needed to grow volume `v401` (401) from *20 GB* to *30 GB* (approval: above 25 GB)');
    expect(approvalButton(401, 'Approve')?.value).toMatch(/^[a-f0-9]{32}$/);
    expect(approvalButton(401, 'Reject')).toBeDefined();
    // Like every message of the job, the request carries the alert's links.
    expect(JSON.stringify(threadOf(401)?.root.blocks)).toContain('<http://alertmanager.test/|Alertmanager>');
  });

  it('refuses a wrong signature, a stale timestamp and a replay; none of them acts', async () => {
    const approve = approvalButton(401, 'Approve')!;
    const payload = blockActionsPayload(approve, APPROVER);
    const before = await interactionCount('unknown', 'invalid_signature');
    expect((await slack.click(hook(), approve, APPROVER, { secret: 'not-the-signing-secret' })).status).toBe(401);
    expect(await interactionCount('unknown', 'invalid_signature')).toBe(before + 1);
    const stale = await slack.click(hook(), approve, APPROVER, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual({ error: 'request timestamp outside the 5-minute window' });
    // A captured, correctly signed request sent again inside the window: the first one of a
    // pair is a real click (by a non-approver, so nothing happens), the second is a replay.
    const captured = signedInteraction(blockActionsPayload(approve, STRANGER), slack.signingSecret);
    expect((await sendSigned(hook(), captured)).status).toBe(200);
    const replay = await sendSigned(hook(), captured);
    expect(replay.status).toBe(409);
    expect(await interactionCount('unknown', 'replayed')).toBeGreaterThanOrEqual(1);
    // Unsigned body that merely looks like Slack's: refused.
    const forged = await fetch(hook(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    });
    expect(forged.status).toBe(401);
    await waitFor('the stranger click to be answered', () => slack.ephemerals.find((e) => e.user === STRANGER.id));
    expect(posts(401)).toEqual([]);
  });

  it('a user who is not an approver gets an ephemeral "not allowed", the thread says so, nothing is done', async () => {
    const before = await interactionCount('approve', 'not_allowed');
    expect((await slack.click(hook(), approvalButton(401, 'Approve')!, STRANGER)).status).toBe(200);
    await waitFor('the refusal in the thread', () => repliesOf(401).filter((t) => t.includes(`<@${STRANGER.id}> tried to approve`)).length >= 2);
    expect(slack.ephemerals.filter((e) => e.user === STRANGER.id).at(-1)?.text).toContain('You are not allowed to approve this');
    expect(await interactionCount('approve', 'not_allowed')).toBe(before + 1);
    expect(posts(401)).toEqual([]);
  });

  it('a button id that was never issued does nothing and is counted', async () => {
    const approve = approvalButton(401, 'Approve')!;
    const before = await interactionCount('unknown', 'unknown_button');
    const made = await slack.click(hook(), { ...approve, value: 'f'.repeat(32) }, APPROVER);
    expect(made.status).toBe(200);
    const malformed = await slack.click(hook(), { ...approve, value: 'resize volume 401 to 10000 GB' }, APPROVER);
    expect(malformed.status).toBe(400);
    await waitFor('both counted', async () => (await interactionCount('unknown', 'unknown_button')) === before + 2);
    await waitFor('the ephemeral answer', () => slack.ephemerals.some((e) => e.user === APPROVER.id && e.text.includes('does not know this button')));
    expect(posts(401)).toEqual([]);
  });

  it('Approve -> exactly one resize through the real resize path; a second Approve -> nothing more', async () => {
    const approve = approvalButton(401, 'Approve')!;
    expect((await slack.click(hook(), approve, APPROVER)).status).toBe(200);
    const approvalId = await waitFor('the approval to be queued', async () =>
      (await aw.queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).find((j) => j.id?.startsWith('approved-'))?.id?.slice('approved-'.length),
    );
    const job = await approvedJob(approvalId);
    expect(job.returnvalue).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
    expect(posts(401).map((c) => c.body)).toEqual([{ size: 30 }]);
    await waitFor('the resize in the thread', () => repliesOf(401).some((t) => t.includes('Hetzner resized volume `v401` (401) from 20 GB to *30 GB*')));
    expect(repliesOf(401).some((t) => t.includes(`Approved by <@${APPROVER.id}>`))).toBe(true);

    expect((await slack.click(hook(), approve, SECOND)).status).toBe(200);
    await waitFor('the second click answered', () =>
      repliesOf(401).some((t) => t.includes(`<@${SECOND.id}> clicked approve, but this was already approved by <@${APPROVER.id}>`)),
    );
    expect(posts(401)).toHaveLength(1);
    expect(hetzner.volumes.get(401)?.size).toBe(30);
    // The audit trail says who approved what, once (the second click decided nothing).
    const approvals = await auditOf('approved', 'volume 401');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({
      action: 'volume-resize',
      actor: expect.stringContaining(APPROVER.id),
      summary: expect.stringContaining('approved by'),
    });
  });

  it('two approvers clicking at once -> one resize', async () => {
    await waitingFor(402);
    const approve = approvalButton(402, 'Approve')!;
    const answers = await Promise.all([
      slack.click(hook(), approve, APPROVER),
      slack.click(hook(), approve, SECOND),
      slack.click(hook(), approve, GROUP_MEMBER),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor('the resize', () => repliesOf(402).some((t) => t.includes('Hetzner resized volume `v402` (402)')), 30_000);
    await waitFor('all three clicks answered', () => repliesOf(402).filter((t) => t.includes('Approved by') || t.includes('already approved')).length === 3);
    expect(repliesOf(402).filter((t) => t.includes('Approved by'))).toHaveLength(1);
    expect(posts(402)).toHaveLength(1);
  });

  it('Reject -> nothing, said in the thread; a user-group member may decide', async () => {
    await waitingFor(403);
    expect((await slack.click(hook(), approvalButton(403, 'Reject')!, GROUP_MEMBER)).status).toBe(200);
    await waitFor('the rejection', () => repliesOf(403).some((t) => t.includes(`Rejected by <@${GROUP_MEMBER.id}>`)));
    expect((await slack.click(hook(), approvalButton(403, 'Approve')!, APPROVER)).status).toBe(200);
    await waitFor('late approve answered', () => repliesOf(403).some((t) => t.includes('already rejected')));
    expect(posts(403)).toEqual([]);
    const rejections = await auditOf('rejected', 'volume 403');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]?.actor).toContain(GROUP_MEMBER.id);
    expect(await auditOf('approved', 'volume 403')).toEqual([]);
  });

  it('an approval nobody gives expires: nothing done, said in the thread; a late Approve does nothing', async () => {
    await waitingFor(404);
    await waitFor('the expiry', () => repliesOf(404).some((t) => t.includes('Nobody approved within 2s')), 20_000);
    expect((await slack.click(hook(), approvalButton(404, 'Approve')!, APPROVER)).status).toBe(200);
    await waitFor('late approve answered', () => repliesOf(404).some((t) => t.includes('already expired')));
    expect(posts(404)).toEqual([]);
  });

  it('the alert resolving while it waits cancels the resize', async () => {
    const alert = await waitingFor(405);
    await postAlerts(aw.url, [{ ...alert, status: 'resolved' }]);
    await waitFor('the cancellation', () =>
      repliesOf(405).some((t) => t.includes('The alert resolved while waiting for approval: growing volume `v405` (405) from 20 GB to 30 GB was cancelled')),
    );
    expect((await slack.click(hook(), approvalButton(405, 'Approve')!, APPROVER)).status).toBe(200);
    await waitFor('late approve answered in the same thread', () => repliesOf(405).some((t) => t.includes('already cancelled')));
    expect(posts(405)).toEqual([]);
  });

  it('a repeat of the alert while one approval waits asks nothing new', async () => {
    await waitingFor(406);
    const again = { labels: { volume_id: '406' }, startsAt: '2026-11-22T06:00:00Z' };
    await postAlerts(aw.url, [again]);
    expect((await finishedJob(aw.queue, again)).result).toMatchObject({ outcome: 'awaiting_approval' });
    expect(slack.buttons('Approve').filter((b) => b.message.text.includes('(406)'))).toHaveLength(1);
  });

  it('approval: never on a volume acts at once, as before; the thread it opens offers Acknowledge', async () => {
    const alert = { labels: { volume_id: '407' } };
    await postAlerts(aw.url, [alert]);
    expect((await finishedJob(aw.queue, alert)).result).toMatchObject({ outcome: 'resized' });
    const root = threadOf(407)!.root;
    expect(root.text).toContain('Growing volume `v407` (407) from *20 GB* to *30 GB*');
    // No Alertmanager configured here: no Silence button, only Acknowledge.
    expect(
      slack
        .buttons()
        .filter((b) => b.message === root)
        .map((b) => b.text),
    ).toEqual(['Acknowledge']);
  });

  it('every click is counted by action and outcome', async () => {
    expect(await interactionCount('approve', 'done')).toBe(2);
    expect(await interactionCount('reject', 'done')).toBe(1);
    expect(await interactionCount('approve', 'already_decided')).toBeGreaterThanOrEqual(5);
  });

  /** The audit records of one kind about one resource, read through the audit trail's own API. */
  async function auditOf(kind: 'approved' | 'rejected', resource: string) {
    const client = createRedis(redis.url, 'producer');
    try {
      await waitForRedis(client, 5_000);
      return (await new AuditTrail(client, PREFIX).query({ kind, resource })).filter((r) => r.resource === resource);
    } finally {
      client.disconnect();
    }
  }
});
