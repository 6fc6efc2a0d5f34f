import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RedisClient } from '../../src/redis.js';
import { loadConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/schema.js';
import { requireAuth } from '../../src/server/auth.js';
import { mountStatusPage } from '../../src/status/status-page.js';
import { statusCommand } from '../../src/cli/status-command.js';
import { readCheckState, recordResult } from '../../checks/check-state.js';
import { TlsInventory, type TrackedCertificate } from '../../src/tls/inventory.js';
import { VolumeResizeState, type ResizeIntent } from '../../actions/volume-resize/state.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { ApprovalStore } from '../../src/approvals/approval-store.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { isUnreadable } from '../../src/state/stored-record.js';
import { logger } from '../../src/observability/logger.js';
import { RedisServer } from '../support/redis-server.js';

/**
 * Every piece of state is written and read through its owner; /status and `alertworks status`
 * read through the same owners. Records of another shape (an older version's, a hand edit) come
 * back as typed results that say what is wrong, never as a crash. The test damages records
 * without knowing their keys: it takes the keys an owner's write added, then overwrites them.
 */
const TOKEN = 'owners-test-token';
const DAY = 86_400_000;
let redisServer: RedisServer;
let redis: RedisClient;
let dir: string;

beforeAll(async () => {
  redisServer = await RedisServer.start();
  redis = redisServer.client();
  dir = mkdtempSync(join(tmpdir(), 'aw-owners-'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
  redis?.disconnect();
  await redisServer?.destroy();
});

function configFor(prefix: string): { config: AppConfig; path: string } {
  const path = join(dir, `${prefix.replace(/\W/g, '')}.yaml`);
  writeFileSync(
    path,
    [
      `server: { auth: { bearerTokens: ["${TOKEN}"] } }`,
      `redis: { url: "${redisServer.url}", prefix: "${prefix}" }`,
      'checks:',
      '  - { name: api, type: http, url: "http://127.0.0.1:9/health", interval: 1m }',
      '  - { name: edge, type: tls, target: "edge.example:443", interval: 1h, warnDays: 14, criticalDays: 7 }',
      'volumeResize:',
      '  maxSizeGb: 100',
      '  volumes: [{ id: 501 }, { name: logs }]',
      '',
    ].join('\n'),
  );
  return { config: loadConfig(path, { REDIS_URL: redisServer.url }), path };
}

/** The keys under `prefix` that `write` added. */
async function keysAddedBy(prefix: string, write: () => Promise<unknown>): Promise<string[]> {
  const before = new Set(await redis.keys(`${prefix}*`));
  await write();
  return (await redis.keys(`${prefix}*`)).filter((k) => !before.has(k));
}

function certificate(name: string, daysLeft: number, now: number): TrackedCertificate {
  return {
    check: 'edge',
    name,
    kind: 'live',
    commonName: name,
    sans: [name],
    issuer: 'CN=test ca',
    notAfter: new Date(now + daysLeft * DAY + 3_600_000).toISOString(),
    fingerprint: name.padEnd(64, '0'),
    level: daysLeft <= 14 ? 'warning' : 'ok',
    checkedAt: new Date(now).toISOString(),
  };
}

async function statusHtml(config: AppConfig): Promise<string> {
  const app = new Hono();
  mountStatusPage(app, requireAuth(config.server.auth), { config, redis });
  const res = await app.request('/status', { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** `alertworks status --json`, run in-process against the test Redis. */
async function cliStatus(path: string): Promise<{ code: number; sections: Array<{ id: string; error?: string; rows: Array<Record<string, string | null>> }> }> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await statusCommand.run({ args: [], configPath: path, json: true, env: { REDIS_URL: redisServer.url }, redisFrom: 'REDIS_URL' });
    return { code, sections: JSON.parse(out) as Awaited<ReturnType<typeof cliStatus>>['sections'] };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** `<td data-col="col">text</td>` of the row whose first data cell is `name`, in a section. */
function cell(html: string, section: string, name: string, col: string): string | undefined {
  const block = new RegExp(`<section id="${section}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
  const row = block.split('</tr>').find((r) => r.includes(`>${name}</td>`) || r.includes(`>${name} `));
  return row === undefined ? undefined : new RegExp(`<td data-col="${col}">([^<]*)</td>`).exec(row)?.[1];
}

describe('state read through its owners', () => {
  it('/status and `alertworks status` show check, certificate and volume state the owners recorded', async () => {
    const prefix = '{owners-ok}';
    const { config, path } = configFor(prefix);
    const now = Date.now();
    await recordResult(redis, prefix, {
      name: 'api',
      runAt: now - 1000,
      now: now - 1000,
      failureThreshold: 1,
      successThreshold: 1,
      result: { success: false, durationSeconds: 0.2, phases: {}, failureReason: 'http_status', statusCode: 503, error: 'HTTP 503' },
    });
    await new TlsInventory(redis, prefix).saveTracked('edge', [certificate('edge.example', 10, now), certificate('www.example', 40, now)]);
    const volumes = new VolumeResizeState(redis, prefix);
    await volumes.recordStatus(777, { sizeGb: 40, name: 'logs', lastResize: { at: now - 3_600_000, fromGb: 30, toGb: 40 } });
    await volumes.recordStatus(501, { sizeGb: 100 });

    const html = await statusHtml(config);
    expect(cell(html, 'checks', 'api', 'state')).toBe('DOWN');
    expect(cell(html, 'checks', 'api', 'reason')).toBe('http_status: HTTP 503: HTTP 503');
    expect(cell(html, 'certificates', 'edge.example', 'daysLeft')).toBe('10');
    expect(cell(html, 'certificates', 'www.example', 'daysLeft')).toBe('40');
    // Allowlisted by name only: found through the name -> id the owner recorded.
    expect(cell(html, 'volumes', 'logs', 'size')).toBe('40');
    expect(cell(html, 'volumes', 'logs', 'lastResize')).toMatch(/^30 → 40 GB, /);
    expect(cell(html, 'volumes', '#501', 'cap')).toBe('100 (reached)');

    const cli = await cliStatus(path);
    expect(cli.code).toBe(0);
    const rows = (id: string) => cli.sections.find((s) => s.id === id)?.rows ?? [];
    expect(rows('checks').map((r) => [r.name, r.state, r.level])).toEqual([
      ['api', 'DOWN', 'crit'],
      ['edge', 'not run yet', 'unknown'],
    ]);
    expect(rows('certificates').map((r) => [r.name, r.daysLeft, r.level])).toEqual([
      ['edge.example', '10', 'warn'],
      ['www.example', '40', 'ok'],
    ]);
    expect(rows('volumes').map((r) => [r.volume, r.size, r.cap])).toEqual([
      ['#501', '100', '100 (reached)'],
      ['logs', '40', '100'],
    ]);
  });

  it('records of another shape read as typed results naming the problem; /status and the CLI still render and say so', async () => {
    const prefix = '{owners-bad}';
    const { config, path } = configFor(prefix);
    const now = Date.now();

    // Check state: a state the machine never writes and phases that are not JSON.
    const [checkKey] = await keysAddedBy(prefix, () =>
      recordResult(redis, prefix, {
        name: 'api',
        runAt: now - 1000,
        now: now - 1000,
        failureThreshold: 1,
        successThreshold: 1,
        result: { success: true, durationSeconds: 0.1, phases: {} },
      }),
    );
    await redis.hset(checkKey!, 'state', 'sideways', 'lastPhases', '{"dns": ');
    const checkState = await readCheckState(redis, prefix, 'api');
    expect(checkState.state).toBe('unknown');
    expect(checkState.unreadable).toMatch(/^state: .*; lastPhases: not JSON$/);
    expect(checkState.lastResultAt).toBe(now - 1000); // the readable fields survive

    // TLS inventory: one entry not JSON, one of a foreign shape, one fine.
    const inventory = new TlsInventory(redis, prefix);
    const [trackedKey] = await keysAddedBy(prefix, () =>
      inventory.saveTracked('edge', [certificate('a.example', 5, now), certificate('b.example', 20, now), certificate('c.example', 60, now)]),
    );
    const [fieldA, fieldB] = (await redis.hkeys(trackedKey!)).sort();
    await redis.hset(
      trackedKey!,
      fieldA!,
      '{"check":"edge"',
      fieldB!,
      JSON.stringify({ check: 'edge', name: 'b.example', notAfter: 'someday', colour: 'blue' }),
    );
    const listed = await inventory.list({ now });
    expect(listed.certificates.map((c) => c.name)).toEqual(['c.example']);
    expect(listed.unreadable.map((u) => [u.what, u.problem.split(':')[0]])).toEqual([
      ['certificate edge/a.example', 'not JSON'],
      ['certificate edge/b.example', 'kind'],
    ]);
    expect(listed.unreadable[1]?.problem).toContain('notAfter: not a date');

    // TLS level state.
    const [levelKey] = await keysAddedBy(prefix, () => inventory.saveLevelState('edge', 'c.example', { fingerprint: 'f'.repeat(64), notified: 'warning' }));
    await redis.set(levelKey!, JSON.stringify({ fingerprint: 7, notified: 'panic' }));
    const level = await inventory.levelState('edge', 'c.example');
    expect(isUnreadable(level) && level.problem).toMatch(/^fingerprint: .*; notified: /);

    // Volume-resize intent.
    const volumes = new VolumeResizeState(redis, prefix);
    await volumes.recordStatus(501, { sizeGb: 50 });
    const intent: ResizeIntent = {
      volumeId: 501,
      volumeName: 'data',
      fromGb: 50,
      toGb: 63,
      issuedAt: now,
      budgetMember: 'm',
      linuxDevice: '/dev/x',
      owner: 'job-1',
    };
    const [intentKey] = await keysAddedBy(prefix, () => volumes.saveIntent(intent));
    await redis.set(intentKey!, JSON.stringify({ volumeId: '501', toGb: 'lots' }));
    const readIntent = await volumes.getIntent(501);
    expect(isUnreadable(readIntent) && [readIntent.what, readIntent.problem.split(';')[0]]).toEqual([
      'resize intent of volume 501',
      'volumeId: Invalid input: expected number, received string',
    ]);

    // A thread ref and an approval of another shape read as none (a new thread; not approvable).
    const threads = new IncidentThreads(redis, new LogNotifier(logger, '#ops'), prefix);
    const threadKeys = await keysAddedBy(prefix, () => threads.say('volume:501', { text: 'hello' }));
    for (const key of threadKeys) if ((await redis.type(key)) === 'string') await redis.set(key, '["C1", "1.2"]');
    expect(await threads.get('volume:501')).toBeUndefined();
    const approvals = new ApprovalStore(redis, prefix);
    let approvalId = '';
    const approvalKeys = await keysAddedBy(prefix, async () => {
      approvalId = (
        await approvals.create({
          action: 'volume-resize',
          scope: 'volume:501',
          incident: 'volume:501',
          summary: 'grow',
          toGb: 63,
          job: { dedupKey: 'd' } as never,
          requestedAt: now,
          expiresAt: now + 60_000,
        })
      ).id;
    });
    const requestKey = approvalKeys.find((k) => k.endsWith(approvalId));
    await redis.set(requestKey!, '{"id": 1}');
    expect(await approvals.get(approvalId)).toBeUndefined();

    // An audit entry of another shape is skipped; the records around it still list.
    const audit = new AuditTrail(redis, prefix);
    // The record adds the stream and the trail's clock.
    const auditKey = (await keysAddedBy(prefix, () => audit.record({ kind: 'resized', action: 'volume-resize', summary: 'first' }))).find((k) =>
      k.endsWith(':audit'),
    );
    await redis.xadd(auditKey!, '*', 'r', JSON.stringify({ kind: 'resized', action: 'volume-resize', summary: { text: 'not a string' } }));
    await audit.record({ kind: 'refused', action: 'volume-resize', summary: 'second' });
    expect((await audit.query({ limit: 10 })).map((r) => r.summary)).toEqual(['second', 'first']);

    const html = await statusHtml(config);
    expect(cell(html, 'checks', 'api', 'reason')).toMatch(/^stored state partly unreadable \(state: .*; lastPhases: not JSON\)$/);
    expect(cell(html, 'certificates', 'certificate edge/a.example', 'subject')).toBe('unreadable: not JSON');
    expect(cell(html, 'certificates', 'c.example', 'daysLeft')).toBe('60');
    expect(cell(html, 'volumes', '#501', 'lastResize')).toMatch(/^none recorded; unreadable: resize intent of volume 501: volumeId: /);

    const cli = await cliStatus(path);
    expect(cli.code).toBe(0);
    expect(cli.sections.every((s) => s.error === undefined)).toBe(true);
    const certRows = cli.sections.find((s) => s.id === 'certificates')?.rows ?? [];
    expect(certRows.map((r) => [r.name, r.subject?.split(':')[0]])).toContainEqual(['certificate edge/b.example', 'unreadable']);
  });
});
