import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckHistory } from '../../src/history/check-history.js';
import { COARSE, FINE, HISTORY_BYTES_PER_CHECK_CAP, MAX_REASON_CHARS, MAX_TRANSITIONS, SLOT_BYTES } from '../../src/history/layout.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { RedisServer } from '../support/redis-server.js';

/**
 * History memory, measured on a real redis-server: checks probed every minute for 30 simulated
 * days (flapping every 100 minutes, so the transition list is full and every reason is as long
 * as kept) stay under HISTORY_BYTES_PER_CHECK_CAP each, and 1,000 such checks under 1,000 × cap.
 */
const T0 = Date.parse('2026-10-01T00:00:00Z');
const MIN = 60_000;
const DAYS = 30;
const PARTS = ['meta', 'fine', 'coarse', 'transitions'] as const;

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await RedisServer.start();
  redis = createRedis(server.url, 'worker');
  await waitForRedis(redis, 5_000);
});
afterAll(async () => {
  await redis.quit();
  await server.destroy();
});

async function simulate(history: CheckHistory, name: string, minutes: number): Promise<void> {
  const reason = `http_status: HTTP 503: ${'x'.repeat(MAX_REASON_CHARS)}`;
  const batch: Promise<boolean>[] = [];
  for (let i = 1; i <= minutes; i++) {
    const at = T0 + i * MIN + 1_234;
    const down = Math.floor(i / 100) % 2 === 1;
    const since = T0 + Math.floor(i / 100) * 100 * MIN + 1_234;
    batch.push(
      history.record({
        name,
        runAt: T0 + i * MIN,
        at,
        success: !down,
        durationSeconds: down ? 10 : 0.25,
        state: down ? 'down' : 'up',
        stateSince: since,
        reason: down ? reason : undefined,
      }),
    );
    if (batch.length === 2_000) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

async function bytesOf(history: CheckHistory, name: string): Promise<number> {
  let total = 0;
  for (const part of PARTS) total += Number(await redis.call('MEMORY', 'USAGE', history.key(name, part), 'SAMPLES', '0'));
  return total;
}

describe('history memory', () => {
  it('stays at a fixed size per check: 1 day and 30 days of 1-minute probes use the same bytes, under the cap', async () => {
    const history = new CheckHistory(redis, '{mem}');
    await simulate(history, 'one-day', 24 * 60);
    await simulate(history, 'thirty-days', DAYS * 24 * 60);
    const [oneDay, thirtyDays] = [await bytesOf(history, 'one-day'), await bytesOf(history, 'thirty-days')];
    expect(await redis.llen(history.key('thirty-days', 'transitions'))).toBe(MAX_TRANSITIONS);
    // The rings are allocated whole on the first result: only the transition list grows, to its cap.
    for (const name of ['one-day', 'thirty-days']) {
      expect([await redis.strlen(history.key(name, 'fine')), await redis.strlen(history.key(name, 'coarse'))]).toEqual([
        FINE.slots * SLOT_BYTES,
        COARSE.slots * SLOT_BYTES,
      ]);
    }
    expect(thirtyDays).toBeLessThanOrEqual(HISTORY_BYTES_PER_CHECK_CAP);
    expect(oneDay).toBeLessThanOrEqual(thirtyDays);
    process.stdout.write(`history bytes per check: after 1 day ${oneDay}, after ${DAYS} days ${thirtyDays}, cap ${HISTORY_BYTES_PER_CHECK_CAP}\n`);

    // 1,000 checks in that 30-day state (DUMP/RESTORE copies the exact encoding), measured with INFO memory.
    const dumps = await Promise.all(PARTS.map((part) => redis.dumpBuffer(history.key('thirty-days', part))));
    const before = await usedMemory();
    for (let c = 0; c < 1_000; c += 100) {
      const pipeline = redis.pipeline();
      for (let k = c; k < c + 100; k++) PARTS.forEach((part, i) => pipeline.restore(history.key(`check-${k}`, part), 0, dumps[i]!));
      await pipeline.exec();
    }
    const grown = (await usedMemory()) - before;
    expect(await redis.dbsize()).toBe((1_000 + 2) * PARTS.length);
    expect(grown).toBeLessThanOrEqual(1_000 * HISTORY_BYTES_PER_CHECK_CAP);
    process.stdout.write(`history of 1,000 checks x ${DAYS} days: used_memory grew ${grown} bytes (cap ${1_000 * HISTORY_BYTES_PER_CHECK_CAP})\n`);
  }, 180_000);
});

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}
