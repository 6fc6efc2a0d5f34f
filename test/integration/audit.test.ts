import { Hono } from 'hono';
import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountAuditApi } from '../../src/audit/audit-api.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { auditJob } from '../../src/audit/job-audit.js';
import { parseConfig } from '../../src/config/load.js';
import { activitySection } from '../../src/status/activity-section.js';
import type { AlertJob } from '../../src/action.js';
import { grafanaAnnotationSink } from '../../src/grafana/annotation-sink.js';
import { GrafanaClient, GrafanaError } from '../../src/grafana/annotations.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { requireAuth } from '../../src/server/auth.js';
import { FakeGrafana } from '../fakes/grafana.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

const TOKEN = 'audit-test-token-0123456789';
const logger = createLogger({ level: 'silent' });
let server: RedisServer;
let redis: Redis;
let grafana: FakeGrafana;
let seq = 0;

beforeAll(async () => {
  [server, grafana] = await Promise.all([RedisServer.start(), new FakeGrafana().start()]);
  redis = createRedis(server.url, 'worker');
  await waitForRedis(redis, 5_000);
});
afterAll(async () => {
  await redis.quit();
  await Promise.all([server.destroy(), grafana.stop()]);
});

function app(audit: AuditTrail): Hono {
  const a = new Hono();
  mountAuditApi(a, requireAuth({ bearerTokens: [TOKEN], basic: [] }), audit);
  return a;
}
const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

describe('audit trail', () => {
  it('answers 401 without auth and 400 naming a bad parameter', async () => {
    const a = app(new AuditTrail(redis, `{a${++seq}}`));
    expect((await a.request('/api/audit')).status).toBe(401);
    const bad = await a.request('/api/audit?since=yesterday-ish', auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^since\/until: "yesterday-ish"/);
    expect(((await (await a.request('/api/audit?kind=exploded', auth)).json()) as { error: string }).error).toMatch(/^kind:/);
    const stream = await a.request('/api/audit?stream=everything', auth);
    expect([stream.status, ((await stream.json()) as { error: string }).error]).toEqual([400, 'stream: "everything" is neither decisions nor routine']);
  });

  it('keeps one record per dedup id, and filters by action, resource, kind and time', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`);
    const first = await audit.record(
      { kind: 'resized', action: 'volume-resize', resource: 'volume 4711', summary: 'grew', links: { hetznerAction: '42' } },
      'job-1:resized',
    );
    expect(await audit.record({ kind: 'resized', action: 'volume-resize', resource: 'volume 4711', summary: 'grew again' }, 'job-1:resized')).toBeUndefined();
    await audit.record({ kind: 'refused', action: 'volume-resize', resource: 'volume 9', summary: 'not allowlisted' });
    await audit.record({ kind: 'received', action: 'receiver', route: 'volume-resize', sender: 'am', summary: 'in' });
    const body = (await (await app(audit).request('/api/audit?action=volume-resize&resource=4711', auth)).json()) as {
      records: { kind: string; summary: string; links: unknown; at: string }[];
    };
    expect(body.records).toEqual([expect.objectContaining({ kind: 'resized', summary: 'grew', links: { hetznerAction: '42' } })]);
    expect((await audit.query({ kind: 'received' })).map((r) => r.sender)).toEqual(['am']);
    expect(await audit.query({ since: first!.at + 60_000 })).toEqual([]);
    expect((await audit.query()).map((r) => r.kind)).toEqual(['received', 'refused', 'resized']);
  });

  it('recordMany stores a batch in order in one call, each deduplicated by its own id for its TTL', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`);
    const sunk: string[] = [];
    audit.addSink(async (r) => void sunk.push(r.summary));
    const rec = (summary: string) => ({ kind: 'received' as const, action: 'receiver', summary });
    const first = await audit.recordMany([{ input: rec('a'), dedupId: 'x:a' }, { input: rec('b'), dedupId: 'x:b' }, { input: rec('no id') }], 60);
    expect(first.map((r) => r.summary)).toEqual(['a', 'b', 'no id']);
    const again = await audit.recordMany(
      [
        { input: rec('b again'), dedupId: 'x:b' },
        { input: rec('c'), dedupId: 'x:c' },
      ],
      60,
    );
    expect(again.map((r) => r.summary)).toEqual(['c']);
    expect((await audit.query()).map((r) => r.summary)).toEqual(['c', 'no id', 'b', 'a']);
    expect(sunk.sort()).toEqual(['a', 'b', 'c', 'no id']);
    const ttl = await redis.ttl(`${audit.key}:seen:x:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('records written in the same turn by many callers go to Redis in one script call, each caller told its own outcome', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`);
    const rec = (summary: string) => ({ kind: 'other' as const, action: 'notify', summary });
    await audit.record(rec('warm-up'), 'w:0', 60); // loads the script on this connection
    const evalshaCalls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await evalshaCalls();
    // 30 jobs finishing at once, one of them a retry of the warm-up's job, with two guard TTLs.
    const outcomes = await Promise.all([
      ...Array.from({ length: 29 }, (_, i) => audit.record(rec(`job ${i}`), `j:${i}`, i % 2 ? 60 : 3_600)),
      audit.record(rec('warm-up again'), 'w:0', 60),
    ]);
    // Two calls: the batch, and the INFO that reads the count.
    expect((await evalshaCalls()) - before).toBe(1);
    expect(outcomes.map((r) => r?.summary)).toEqual([...Array.from({ length: 29 }, (_, i) => `job ${i}`), undefined]);
    expect(new Set(outcomes.map((r) => r?.id)).size).toBe(30);
    expect(await redis.ttl(`${audit.key}:seen:j:1`)).toBeLessThanOrEqual(60);
    expect(await redis.ttl(`${audit.key}:seen:j:2`)).toBeGreaterThan(3_000);
    expect((await audit.query({ limit: 1_000 })).map((r) => r.summary)).toEqual([...Array.from({ length: 29 }, (_, i) => `job ${28 - i}`), 'warm-up']);
  });

  it('a failed batch write fails every caller in it, and the next turn writes again', async () => {
    const own = createRedis(server.url, 'worker');
    await waitForRedis(own, 5_000);
    const audit = new AuditTrail(own, `{a${++seq}}`);
    const rec = (summary: string) => ({ kind: 'other' as const, action: 'notify', summary });
    own.disconnect();
    const failed = await Promise.allSettled([audit.record(rec('a')), audit.record(rec('b'))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    own.connect().catch(() => undefined);
    await waitForRedis(own, 5_000);
    expect((await audit.record(rec('c')))?.summary).toBe('c');
    own.disconnect();
  });

  it("a finished job's record is written once, its guard key living as long as the job is kept", async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`);
    const job = {
      id: 'job-42',
      data: { receiver: 'am', alert: { labels: { alertname: 'DiskFull' }, fingerprint: 'fp1', status: 'firing' } },
    } as unknown as AlertJob;
    await auditJob(audit, { action: 'notify', job, result: { outcome: 'notified' }, guardTtlSeconds: 86_400 });
    await auditJob(audit, { action: 'notify', job, result: { outcome: 'notified' }, guardTtlSeconds: 86_400 });
    expect((await audit.query()).map((r) => r.summary)).toEqual(['notify: notified']);
    const guards = await redis.keys(`${audit.key}:seen:job-42:*`);
    expect(guards).toHaveLength(1);
    const ttl = await redis.ttl(guards[0]!);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('bounds sender-controlled text and the length of each stream', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`, { maxRecords: 100, maxRoutineRecords: 100 });
    for (let i = 0; i < 1_000; i++) {
      await audit.record({ kind: 'received', action: 'receiver', summary: 'x'.repeat(10_000), alertname: `a\n${'y'.repeat(10_000)}` });
      await audit.record({ kind: 'refused', action: 'volume-resize', summary: `refused ${i}` });
    }
    // MAXLEN ~ trims whole stream nodes: close to, never far past, the cap.
    expect(await redis.xlen(audit.key)).toBeGreaterThanOrEqual(100);
    expect(await redis.xlen(audit.key)).toBeLessThan(300);
    expect(await redis.xlen(audit.routineKey)).toBeGreaterThanOrEqual(100);
    expect(await redis.xlen(audit.routineKey)).toBeLessThan(300);
    const [newest] = await audit.query({ limit: 1, kind: 'received' });
    expect([newest!.summary.length, newest!.alertname!.length, newest!.alertname!.includes('\n')]).toEqual([500, 200, false]);
  });

  it('orders records across both streams as stored, within one millisecond and after its clock key is lost', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`);
    const kinds = ['received', 'refused', 'received', 'resized', 'received', 'failed', 'received', 'refused'] as const;
    // One after the other, alternating streams: most land in the same millisecond.
    for (const [i, kind] of kinds.entries()) await audit.record({ kind, action: 'x', summary: `r${i}` });
    await redis.del(`${audit.key}:clock`);
    await audit.record({ kind: 'received', action: 'x', summary: 'after' });
    await audit.record({ kind: 'refused', action: 'x', summary: 'last' });
    expect((await audit.query()).map((r) => r.summary)).toEqual(['last', 'after', 'r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it("reads one stream on request; /status's recent activity shows the decisions, not the routine records", async () => {
    const prefix = `{a${++seq}}`;
    const audit = new AuditTrail(redis, prefix);
    await audit.record({ kind: 'resized', action: 'volume-resize', resource: 'volume 7', summary: 'resized 10 -> 20 GB' });
    await audit.recordMany(Array.from({ length: 40 }, (_, i) => ({ input: { kind: 'received' as const, action: 'receiver', summary: `in ${i}` } })));
    await audit.record({ kind: 'other', action: 'notify', outcome: 'notified', summary: 'notify: notified' }, undefined, undefined, { routine: true });
    expect((await audit.query({ routine: false })).map((r) => r.kind)).toEqual(['resized']);
    expect((await audit.query({ routine: true, limit: 100 })).length).toBe(41);
    expect((await audit.query({ limit: 100 })).length).toBe(42);
    const config = parseConfig(`redis: { prefix: "${prefix}" }\n`, 'status.yaml', {});
    const rows = await activitySection.load({ config, redis, now: Date.now() });
    expect(rows.map((r) => r.cells.kind)).toEqual(['resized']);
  });

  it('a storm of routine records cannot push decisions out of the trail; both read as one, newest first', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`, { maxRecords: 100, maxRoutineRecords: 100 });
    await audit.record({ kind: 'resized', action: 'volume-resize', resource: 'volume 4711', summary: 'resized 20 -> 30 GB' });
    const job = (i: number) =>
      ({
        id: `storm-${i}`,
        data: { receiver: 'am', alert: { labels: { alertname: 'Storm' }, fingerprint: `fp${i}`, status: 'firing' } },
      }) as unknown as AlertJob;
    // 5,000 alerts: each received, and posted by an action whose outcomes are routine (notify).
    for (let i = 0; i < 5_000; i += 500)
      await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          Promise.all([
            audit.recordMany([{ input: { kind: 'received', action: 'receiver', summary: `Storm ${i + k}` } }]),
            auditJob(audit, { action: 'notify', job: job(i + k), result: { outcome: 'notified' }, routine: true }),
          ]),
        ),
      );
    // A routine action's failure is a decision-stream record: nobody was told.
    await auditJob(audit, { action: 'notify', job: job(-1), failure: { code: 'slack_invalid_auth', message: 'invalid_auth' }, routine: true });
    expect((await audit.query({ kind: 'resized' })).map((r) => r.resource)).toEqual(['volume 4711']);
    expect(await redis.xlen(audit.key)).toBe(2);
    expect(await redis.xlen(audit.routineKey)).toBeLessThan(300);
    const newest = await audit.query({ limit: 3 });
    expect(newest[0]).toMatchObject({ kind: 'failed', action: 'notify' });
    expect(newest.slice(1).every((r) => r.kind === 'received' || r.outcome === 'notified')).toBe(true);
    // Newest first across both streams.
    const all = await audit.query({ limit: 1000 });
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort((a, b) => b - a));
    expect(all.at(-1)).toMatchObject({ kind: 'resized' });
  });
});

describe('Grafana annotations', () => {
  it('posts one annotation per annotated record with tags, and a failure never reaches the caller', async () => {
    const audit = new AuditTrail(redis, `{a${++seq}}`, { logger }).addSink(grafanaAnnotationSink({ url: grafana.url, token: grafana.token }, logger));
    grafana.failNext.push(500);
    await audit.record({ kind: 'resized', action: 'volume-resize', resource: 'volume 1', summary: 'first (Grafana fails)' });
    const stored = await audit.record({
      kind: 'resized',
      action: 'volume-resize',
      resource: 'volume 4711',
      summary: 'grew <b>',
      links: { pr: 'https://github.example/acme/infra/pull/7' },
    });
    await audit.record({ kind: 'cooldown', action: 'volume-resize', resource: 'volume 4711', summary: 'not annotated' });
    await waitFor('the annotation', () => grafana.withTag('volume-4711').length === 1, 5_000);
    expect(grafana.annotations).toEqual([
      expect.objectContaining({
        time: stored!.at,
        tags: ['alertworks', 'volume-resize', 'resized', 'volume-4711'],
        text: 'grew &#60;b&#62;\n<a href="https://github.example/acme/infra/pull/7">https://github.example/acme/infra/pull/7</a>',
      }),
    ]);
  });

  it.each([
    ['a wrong token', 'glsa_wrong_token_000000000000', 401, /Invalid API key/],
    ['an unreachable Grafana', undefined, 0, /not reachable/],
  ])('reports %s as a GrafanaError with the status', async (_name, token, status, message) => {
    const client = new GrafanaClient({ url: token ? grafana.url : 'http://127.0.0.1:9', token: token ?? grafana.token, timeoutMs: 2_000 });
    const err = await client.annotate({ time: 1, tags: [], text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrafanaError);
    expect([(err as GrafanaError).status, (err as GrafanaError).message]).toEqual([status, expect.stringMatching(message)]);
  });
});
