import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { createRedis, type RedisClient, type RedisTarget } from '../../src/redis.js';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { ScriptedServer } from '../support/check-targets.js';
import { waitFor } from '../support/ports.js';
import { ServiceProcess } from '../support/service.js';
import { fakeEnv, finishedJob, payload, type TestAlert } from '../integration/volume-resize/harness.js';
import { TOKEN, alertNameOf, tally } from './helpers.js';

/** A Redis topology the scenarios run on: how alertworks is pointed at it, and how its master dies. */
export interface Topology {
  /** Environment of every alertworks process (REDIS_SENTINELS…, REDIS_CLUSTER_NODES…, REDIS_PASSWORD). */
  env: Record<string, string>;
  /** The same target, for the test's own read-only connection. */
  target: RedisTarget;
  /** SIGKILLs the master holding alertworks' slot; resolves once a replica has taken over. Returns the killed port. */
  killMaster(): Promise<number>;
  destroy(): Promise<void>;
}

const CHECK_INTERVAL_MS = 1_000;
const STREAMED = 40;

function configYaml(targetPort: number): string {
  return `
server: { host: 127.0.0.1 }
jobs: { backoff: 200ms, livenessInterval: 500ms, livenessTimeout: 6s }
routes:
  - { match: { alertname: VolumeUsageCritical }, action: volume-resize }
  - { match: { alertname: "=~Stream.*" }, status: any, action: notify }
volumeResize:
  actionPollInterval: 100ms
  volumes:
    - { id: 301, name: topo-a }
    - { id: 302, name: topo-b }
checks:
  - { name: topo-probe, type: http, url: "http://127.0.0.1:${targetPort}/health", interval: ${CHECK_INTERVAL_MS}ms, timeout: 800ms }
`;
}

/** The scheduled moment of each finished run of the check (job ids are `repeat:<scheduler>:<millis>`). */
async function checkSlots(checks: Queue): Promise<number[]> {
  const jobs = await checks.getJobs(['completed', 'failed'], 0, -1);
  return jobs.map((j) => Number(/:(\d+)$/.exec(j.id ?? '')?.[1])).sort((a, b) => a - b);
}

async function metric(service: ServiceProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Sum of a counter's series whose labels contain `match`, from a /metrics page. */
async function counterSum(url: string, name: string, match: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(match))
    .reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
}

function postVolumeAlert(url: string, alert: TestAlert): Promise<number> {
  return fetch(`${url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload([alert])),
  }).then(async (r) => {
    await r.body?.cancel();
    return r.status;
  });
}

/**
 * The scale-out scenarios on one topology, with alertworks as two `serve` and two `work`
 * child processes: the whole pipeline, check schedules, a volume resize and a duplicate storm;
 * then a failover (the master holding `{alertworks}` SIGKILLed) while a real Alertmanager
 * streams alerts.
 */
export function describeTopology(name: string, startTopology: () => Promise<Topology>): void {
  describe(`${name}: 2 serve + 2 work replicas`, () => {
    let topology: Topology;
    let slack: FakeSlack;
    let hetzner: FakeHetzner;
    let github: FakeGitHub;
    let target: ScriptedServer;
    let connection: RedisClient;
    let checks: Queue;
    let resizes: Queue;
    const serve: ServiceProcess[] = [];
    const work: ServiceProcess[] = [];

    beforeAll(async () => {
      [topology, slack, hetzner, github, target] = await Promise.all([
        startTopology(),
        new FakeSlack().start(),
        FakeHetzner.start({ actionDurationMs: 200 }),
        FakeGitHub.start(),
        ScriptedServer.start(),
      ]);
      hetzner.addVolume({ id: 301, name: 'topo-a', size: 20 });
      hetzner.addVolume({ id: 302, name: 'topo-b', size: 20 });
      const env = { ...fakeEnv(hetzner, github, slack), WEBHOOK_TOKEN: TOKEN, ...topology.env };
      const config = configYaml(target.port);
      // One at a time: four tsx start-ups at once starve a 2-core machine.
      for (const role of ['work', 'work', 'serve', 'serve'] as const) {
        const s = await ServiceProcess.start({ role, config, env });
        (role === 'work' ? work : serve).push(s);
      }
      connection = createRedis(topology.target, 'worker');
      checks = new Queue('checks', { connection, prefix: '{alertworks}' });
      resizes = new Queue('volume-resize', { connection, prefix: '{alertworks}' });
      // Read-only observers: their reconnect errors during the failover are expected.
      for (const q of [checks, resizes]) q.on('error', () => undefined);
    });

    afterAll(async () => {
      await Promise.allSettled([checks?.close(), resizes?.close()]);
      connection?.disconnect();
      await Promise.allSettled([...serve, ...work].map((s) => s.stop()));
      await Promise.allSettled([topology?.destroy(), slack?.stop(), hetzner?.stop(), github?.stop(), target?.stop()]);
    });

    it('keeps an audit trail on it: records with and without a dedup id, in both streams, in one slot', async () => {
      // Every key of one script call must hash to one Cluster slot (the prefix's hash tag).
      const audit = new AuditTrail(connection, '{alertworks-audit}');
      const record = { kind: 'approved', action: 'volume-resize', summary: 'approved by test' } as const;
      expect(await audit.record(record)).toMatchObject({ kind: 'approved' });
      expect(await audit.record({ ...record, summary: 'once' }, 'once')).toMatchObject({ summary: 'once' });
      expect(await audit.record({ ...record, summary: 'once' }, 'once')).toBeUndefined();
      await audit.record({ kind: 'received', action: 'notify', summary: 'received' });
      const trail = await audit.query();
      expect(trail.map((r) => r.summary)).toEqual(['received', 'once', 'approved by test']);
    });

    it('runs the pipeline: webhook → job → Slack, each check slot once, one resize for a duplicate storm across replicas', async () => {
      // Every slot of the schedule runs once, on one of the two work replicas.
      await waitFor('3 check runs', async () => (await checkSlots(checks)).length >= 3, 30_000, 200);
      const slots = await checkSlots(checks);
      expect(new Set(slots).size).toBe(slots.length);
      for (let i = 1; i < slots.length; i++) expect((slots[i]! - slots[i - 1]!) % CHECK_INTERVAL_MS).toBe(0);
      // One probe per finished run (one more may be in flight while we read).
      expect(target.requests.length - slots.length).toBeGreaterThanOrEqual(0);
      expect(target.requests.length - slots.length).toBeLessThanOrEqual(1);

      // 40 identical webhooks, alternating between the two receivers: one job, one resize.
      const alert: TestAlert = { labels: { volume_id: '301' } };
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => postVolumeAlert(serve[i % 2]!.url, alert)));
      expect(
        statuses.every((s) => s === 200),
        String(statuses),
      ).toBe(true);
      const done = await finishedJob(resizes, alert, 60_000);
      expect(done.result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
      expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/301/actions/resize')).toHaveLength(1);
      expect(hetzner.volumes.get(301)?.size).toBe(30);
      await waitFor('resize reported in Slack', () => slack.messages.some((m) => m.text.includes('resized volume `topo-a`')), 30_000, 100);
      expect(slack.messages.filter((m) => m.text.includes('Growing volume `topo-a`'))).toHaveLength(1);
      for (const w of work) expect(await metric(w, 'alertworks_worker_live')).toBe(1);
    });

    it('fails over while Alertmanager streams alerts: every alert once, workers live again, schedule still firing', async () => {
      const am = await Alertmanager.start({
        webhookUrl: `${serve[0]!.url}/hooks/alertmanager`,
        token: TOKEN,
        groupBy: ['...'],
        groupWait: '0s',
        groupInterval: '1s',
        repeatInterval: '1h',
      });
      try {
        const startsAt = new Date(Date.now() - 60_000).toISOString();
        const names = Array.from({ length: STREAMED }, (_, i) => `Stream${i}`);
        const postedAt: number[] = [];
        const streamed = (async () => {
          for (const n of names) {
            await am.post([{ labels: { alertname: n, severity: 'critical' }, annotations: { summary: `${n} summary` }, startsAt }]);
            postedAt.push(Date.now());
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        const delivered = () => slack.messages.filter((m) => alertNameOf(m.text).startsWith('Stream'));
        await waitFor('first streamed alerts in Slack', () => delivered().length >= 3, 30_000, 50);

        const killedAt = Date.now();
        const killed = await topology.killMaster();
        const promotedAt = Date.now();
        // A second resize while the new master settles: it must happen once too.
        const alert: TestAlert = { labels: { volume_id: '302' } };
        const resizeStatus = waitFor('resize alert accepted', async () => (await postVolumeAlert(serve[1]!.url, alert)) === 200 || undefined, 60_000, 200);
        await streamed;
        await resizeStatus;

        await waitFor(`${STREAMED} alerts in Slack`, () => new Set(delivered().map((m) => alertNameOf(m.text))).size === STREAMED, 120_000, 200);
        // Liveness proves the workers resumed: each replica took a canary after the new master was in place.
        await waitFor(
          'both work replicas took a canary on the new master',
          async () => {
            for (const w of work) {
              if ((await metric(w, 'alertworks_worker_live')) !== 1) return false;
              if (((await metric(w, 'alertworks_worker_last_canary_timestamp_seconds')) ?? 0) * 1000 <= promotedAt) return false;
            }
            return true;
          },
          60_000,
          200,
        );
        // The schedule goes on after the failover: 3 more runs, no slot twice.
        await waitFor('3 check runs after the failover', async () => (await checkSlots(checks)).filter((s) => s > killedAt).length >= 3, 60_000, 200);
        const done = await finishedJob(resizes, alert, 60_000);

        const perAlert = tally(delivered().map((m) => alertNameOf(m.text)));
        const stats = await am.notificationStats();
        const recreations = await Promise.all(work.map((w) => metric(w, 'alertworks_worker_recreations_total')));
        const afterKill = postedAt.filter((t) => t > killedAt).length;
        // Each failed attempt (a 503 from the receiver while no master answered), retried by Alertmanager.
        const failedAttempts = await counterSum(am.url, 'alertmanager_notification_requests_failed_total', 'integration="webhook"');
        const answered503 = await counterSum(serve[0]!.url, 'alertworks_http_requests_total', 'status="503"');
        console.info(
          `${name} failover: killed master :${killed}; ${afterKill} of ${STREAMED} alerts posted after the kill; ` +
            `Alertmanager sent ${stats.total} notifications, ${failedAttempts} attempts failed (receiver answered 503 ${answered503}×); worker recreations ${recreations.join('/')}`,
        );
        // Under load: the stream went on while the master was down and a replica took over.
        expect(afterKill).toBeGreaterThanOrEqual(10);
        // Producers failed fast while no master answered (503, retried by Alertmanager) instead of hanging.
        expect(answered503).toBeGreaterThan(0);
        expect(failedAttempts).toBeGreaterThan(0);
        expect([...perAlert.keys()].sort()).toEqual([...names].sort());
        for (const [n, count] of perAlert) expect(count, n).toBe(1);
        const slots = await checkSlots(checks);
        expect(new Set(slots).size).toBe(slots.length);
        expect(done.result).toMatchObject({ outcome: 'resized', fromGb: 20, toGb: 30 });
        expect(hetzner.resizePosts().filter((c) => c.path === '/volumes/302/actions/resize')).toHaveLength(1);
      } finally {
        await am.stop();
      }
    });
  });
}
