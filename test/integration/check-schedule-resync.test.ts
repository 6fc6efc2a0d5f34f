import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { logger } from '../../src/observability/logger.js';
import { createRedis } from '../../src/redis.js';
import { startCheckScheduler, type RunningCheckScheduler } from '../../checks/scheduler.js';
import { RedisServer } from '../support/redis-server.js';

const PREFIX = '{resync}';
const CHECKS = ['api', 'db', 'web'];
// Hourly, so every next run stays in the delayed set for the whole test; resyncs are asked for by hand.
const CONFIG = `redis: { url: "REDIS", prefix: "${PREFIX}" }\nserver: { host: 127.0.0.1 }\ncheckRunner: { resyncInterval: 1h }\nchecks:\n${CHECKS.map(
  (name) => `  - { name: ${name}, type: http, url: "http://127.0.0.1:9/${name}", interval: 1h }`,
).join('\n')}\n`;

/**
 * The periodic resync re-derives the check schedules from the config, but a schedule that is
 * healthy is not rewritten: BullMQ's upsert would remove its pending job and add it back, which
 * at 10,000 checks is hundreds of writes a second for nothing.
 */
describe('check schedule resync', () => {
  let server: RedisServer;
  let admin: Redis;
  let redis: ReturnType<typeof createRedis>;
  let scheduler: RunningCheckScheduler;

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = server.client();
    const config = parseConfig(CONFIG.replace('REDIS', server.url), 'resync.yaml', {});
    redis = createRedis(config.redis.url, 'worker');
    scheduler = await startCheckScheduler({ config, redis, threads: new IncidentThreads(redis, new LogNotifier(logger, '#ops'), PREFIX), logger });
    await scheduler.synced;
  });

  afterAll(async () => {
    await scheduler?.close();
    await redis?.quit();
    admin?.disconnect();
    await server?.destroy();
  });

  const delayed = () => admin.zrange(`${PREFIX}:checks:delayed`, 0, -1, 'WITHSCORES');
  const jobsAdded = async () => Number(await admin.get(`${PREFIX}:checks:id`));
  const resync = async () => {
    const outcome = await scheduler.keeper?.resync('test');
    if (!outcome?.owner) throw new Error(`not the owner: ${JSON.stringify(outcome)}`);
    return outcome;
  };

  it('a resync leaves healthy schedules and their pending runs untouched', async () => {
    const before = await delayed();
    expect(before.filter((_, i) => i % 2 === 0).sort()).toEqual(CHECKS.map((c) => expect.stringMatching(new RegExp(`^repeat:check:${c}:\\d+$`))));
    const added = await jobsAdded();
    const outcome = await resync();
    expect(outcome.upserted).toEqual([]);
    expect(await delayed()).toEqual(before);
    expect(await jobsAdded()).toBe(added);
  });

  it('a schedule whose pending run is gone (a broken chain) is upserted again, and only that one', async () => {
    const [jobId] = (await delayed()).filter((m) => m.startsWith('repeat:check:db:'));
    if (!jobId) throw new Error('no pending run of db');
    await admin.zrem(`${PREFIX}:checks:delayed`, jobId);
    await admin.del(`${PREFIX}:checks:${jobId}`);
    const outcome = await resync();
    expect(outcome.upserted).toEqual(['db']);
    expect((await delayed()).filter((m) => m.startsWith('repeat:check:'))).toHaveLength(CHECKS.length);
  });

  it('a restart (or another replica) with the same config writes no healthy schedule at its start', async () => {
    const lines: { msg: string; upserted?: number; reason?: string }[] = [];
    const { default: pino } = await import('pino');
    const captured = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const config = parseConfig(CONFIG.replace('REDIS', server.url), 'resync.yaml', {});
    const conn = createRedis(config.redis.url, 'worker');
    const before = await delayed();
    const added = await jobsAdded();
    const second = await startCheckScheduler({
      config,
      redis: conn,
      threads: new IncidentThreads(conn, new LogNotifier(captured, '#ops'), PREFIX),
      logger: captured,
    });
    try {
      await second.synced;
      const started = lines.find((l) => l.msg === 'check schedules in place' && l.reason === 'start');
      expect(started?.upserted).toBe(0);
      expect(await delayed()).toEqual(before);
      expect(await jobsAdded()).toBe(added);
    } finally {
      await second.close();
      await conn.quit();
    }
  });

  it('a schedule written with other settings (an older alertworks, another config) is written again, and only that one', async () => {
    // As a version that kept no settings in the job template wrote it: same interval, plain data.
    const queue = scheduler.queue;
    await queue.upsertJobScheduler('check:web', { every: 3_600_000 }, { name: 'check', data: { check: 'web' } });
    const outcome = await resync();
    expect(outcome.upserted).toEqual(['web']);
    const data = JSON.parse((await admin.hget(`${PREFIX}:checks:repeat:check:web`, 'data')) ?? '{}') as { check?: string; schedule?: string };
    expect(data).toEqual({ check: 'web', schedule: expect.stringMatching(/^\d+\/3600000\/\d+\/\d+$/) });
    expect((await resync()).upserted).toEqual([]);
  });

  it('after Redis lost every key, the next resync writes every schedule again', async () => {
    await admin.flushall();
    const outcome = await resync();
    expect(outcome.upserted.sort()).toEqual(CHECKS);
    expect(await admin.zrange(`${PREFIX}:checks:repeat`, 0, -1)).toEqual(expect.arrayContaining(CHECKS.map((c) => `check:${c}`)));
    expect((await delayed()).filter((m) => m.startsWith('repeat:check:'))).toHaveLength(CHECKS.length);
  });
});
