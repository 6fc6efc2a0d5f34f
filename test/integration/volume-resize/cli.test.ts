import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient as Redis } from '../../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clock, volumePlanCommand } from '../../../src/cli/volume-plan.js';
import { VolumeResizeState } from '../../../actions/volume-resize/state.js';
import { FakeHetzner } from '../../fakes/hetzner.js';
import { freePort } from '../../support/ports.js';
import { RedisServer } from '../../support/redis-server.js';

describe('alertworks volume plan', () => {
  let hetzner: FakeHetzner;
  let redisServer: RedisServer;
  let redis: Redis;
  let state: VolumeResizeState;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    [hetzner, redisServer] = await Promise.all([FakeHetzner.start(), RedisServer.start()]);
    redis = redisServer.client();
    state = new VolumeResizeState(redis, '{plan}');
    hetzner.addVolume({ id: 401, name: 'data', size: 20 });
    hetzner.addVolume({ id: 402, name: 'big', size: 100 });
    hetzner.addVolume({ id: 403, name: 'stranger', size: 20 });
    hetzner.addVolume({ id: 404, name: 'cooling', size: 20 });
    dir = mkdtempSync(join(tmpdir(), 'aw-cli-'));
    configPath = join(dir, 'alertworks.yaml');
    writeFileSync(
      configPath,
      'redis: { prefix: "{plan}" }\nvolumeResize:\n  hourlyBudget: 2\n  volumes: [{ id: 401 }, { name: big, maxSizeGb: 100 }, { id: 404 }]\n',
    );
    vi.stubEnv('HCLOUD_TOKEN', hetzner.token);
    vi.stubEnv('HCLOUD_ENDPOINT', hetzner.url);
    vi.stubEnv('REDIS_URL', redisServer.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
    redis?.disconnect();
    await Promise.all([hetzner?.stop(), redisServer?.destroy()]);
  });

  async function plan(args: string[], json = false, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      const code = await volumePlanCommand.run({ args, configPath, json, env, redisFrom: 'REDIS_URL' });
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it.each([
    [['401'], 0, 'an alert now: would grow 20 GB -> 30 GB'],
    [['big'], 0, 'at the cap (100 GB): no resize, outcome limit_reached'],
    [['403'], 3, 'not in volumeResize.volumes: an alert about it would be refused'],
  ])('%s -> exit %i, %s', async (args, code, text) => {
    const r = await plan(args);
    expect(r.code).toBe(code);
    expect(r.out).toContain(text);
  });

  it('says which Redis it read', async () => {
    const r = await plan(['401']);
    expect(r.err).toContain(`alertworks: reading Redis at ${redisServer.url} (from REDIS_URL)`);
  });

  it('inside the cooldown: refused until HH:MM, then the plan', async () => {
    await state.startCooldown(404, 40 * 60_000);
    const before = Date.now();
    const r = await plan(['404']);
    const until = (await redis.pttl('{plan}:volume-resize:cooldown:404')) + Date.now();
    expect(r.code).toBe(0);
    // The minute printed is the cooldown's end (read either side of a minute boundary).
    expect([clock(until), clock(before + 40 * 60_000)]).toContain(/refused until (\d\d:\d\d)/.exec(r.out)?.[1]);
    expect(r.out).toMatch(/inside the cooldown \((39|40)m/);
    expect(r.out).toContain('the plan after it: would grow 20 GB -> 30 GB');
  });

  it('with the hourly budget used up: refused until the oldest resize leaves the hour', async () => {
    const now = Date.now();
    await state.reserveBudget(2, 'a', now - 50 * 60_000);
    await state.reserveBudget(2, 'b', now - 5 * 60_000);
    const r = await plan(['401']);
    expect(r.out).toContain(`an alert now: refused until ${clock(now + 10 * 60_000)}: the hourly budget (2 of 2 resizes) is used up`);
    expect(r.out).toContain('then: would grow 20 GB -> 30 GB');
    const json = JSON.parse((await plan(['401'], true)).out) as { now: { kind: string; used: number } };
    expect(json.now).toMatchObject({ kind: 'budget', used: 2, budget: 2 });
    await redis.del('{plan}:volume-resize:budget');
  });

  it('Redis unreachable: still prints the plan, says cooldown and budget are unknown, within the wait', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await plan(['401'], false, { ...process.env, REDIS_URL: url });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`would grow 20 GB -> 30 GB (cooldown and budget unknown: Redis at ${url} (from REDIS_URL) is not reachable within 1.5s)`);
  });

  it('prints JSON and makes no mutating call', async () => {
    const r = await plan(['401'], true);
    expect(JSON.parse(r.out)).toMatchObject({ allowlisted: true, plan: { kind: 'grow', fromGb: 20, toGb: 30, capGb: 100 }, now: { kind: 'free' } });
    expect(hetzner.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });
});
