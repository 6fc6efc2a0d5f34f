import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { WebhookSpool, defaultSpoolDir, type SpoolEntry } from './spool.js';

const logger = createLogger({ level: 'silent' });
const entry = (n: number, body = `{"n":${n}}`): SpoolEntry => ({ v: 1, source: 'grafana', receivedAt: 1_790_000_000_000 + n, body });

describe('WebhookSpool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aw-spool-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays in arrival order and removes what was delivered', async () => {
    const spool = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await spool.init();
    // Same millisecond for several: the sequence keeps their order.
    for (const n of [1, 2, 2, 3, 10, 11]) expect(await spool.store(entry(n, `{"n":${n},"i":${spool.pending}}`))).toBe(true);
    const seen: string[] = [];
    expect(
      await spool.replay(
        async (e) => void seen.push(e.body),
        () => true,
      ),
    ).toBe(6);
    expect(seen).toEqual(['{"n":1,"i":0}', '{"n":2,"i":1}', '{"n":2,"i":2}', '{"n":3,"i":3}', '{"n":10,"i":4}', '{"n":11,"i":5}']);
    expect(spool.pending).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops at the first failure while Redis is down and keeps the rest, in order, for the next round', async () => {
    const spool = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await spool.init();
    for (const n of [1, 2, 3]) await spool.store(entry(n));
    let redisUp = false;
    const seen: string[] = [];
    const deliver = async (e: SpoolEntry) => {
      if (!redisUp && e.body === '{"n":2}') throw new Error('Connection is closed.');
      seen.push(e.body);
    };
    expect(await spool.replay(deliver, () => redisUp)).toBe(1);
    expect(spool.pending).toBe(2);
    redisUp = true;
    expect(await spool.replay(deliver, () => redisUp)).toBe(2);
    expect(seen).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('is bounded by files and by bytes: a full spool says so instead of growing', async () => {
    const byFiles = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 2 }, logger);
    await byFiles.init();
    expect(await byFiles.store(entry(1))).toBe(true);
    expect(await byFiles.store(entry(2))).toBe(true);
    expect(await byFiles.store(entry(3))).toBe(false);
    const other = mkdtempSync(join(tmpdir(), 'aw-spool-unit-'));
    try {
      const byBytes = new WebhookSpool(other, { maxBytes: 300, maxFiles: 100 }, logger);
      await byBytes.init();
      expect(await byBytes.store(entry(1, 'x'.repeat(150)))).toBe(true);
      expect(await byBytes.store(entry(2, 'x'.repeat(150)))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('finds what an earlier process left (and drops its half-written files) at init', async () => {
    const first = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await first.init();
    await first.store(entry(1));
    writeFileSync(join(dir, '1790000000005-000000001-99.json.tmp'), '{"v":1,"bo');
    const second = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await second.init();
    expect(second.pending).toBe(1);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('sets aside an unreadable entry, and one that keeps failing while Redis answers, without blocking the others', async () => {
    const spool = new WebhookSpool(dir, { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await spool.init();
    writeFileSync(join(dir, '1790000000000-000000000-1.json'), 'not json');
    await spool.init();
    await spool.store(entry(5, 'poison'));
    await spool.store(entry(6));
    const seen: string[] = [];
    const deliver = async (e: SpoolEntry) => {
      if (e.body === 'poison') throw new Error('no queue named "gone"');
      seen.push(e.body);
    };
    for (let round = 0; round < 5; round++) await spool.replay(deliver, () => true);
    expect(seen).toEqual(['{"n":6}']);
    expect(spool.pending).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.failed'))).toHaveLength(2);
  });

  it('close removes the directory only when asked and only when nothing waits', async () => {
    const spool = new WebhookSpool(join(dir, 'sub'), { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await spool.init();
    await spool.store(entry(1));
    await spool.close({ removeIfEmpty: true });
    expect(readdirSync(dir)).toEqual(['sub']);
    const empty = new WebhookSpool(join(dir, 'empty'), { maxBytes: 1 << 20, maxFiles: 100 }, logger);
    await empty.init();
    await empty.close({ removeIfEmpty: true });
    expect(readdirSync(dir)).toEqual(['sub']);
  });

  it('uses one default directory per Redis and prefix', () => {
    expect(defaultSpoolDir('redis://a:6379', '{alertworks}')).toBe(defaultSpoolDir('redis://a:6379', '{alertworks}'));
    expect(defaultSpoolDir('redis://a:6379', '{alertworks}')).not.toBe(defaultSpoolDir('redis://b:6379', '{alertworks}'));
    expect(defaultSpoolDir('redis://a:6379', '{alertworks}')).not.toBe(defaultSpoolDir('redis://a:6379', '{other}'));
  });
});
