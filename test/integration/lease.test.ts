import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis.js';
import { withLease } from '../../src/lease.js';
import { RedisServer } from '../support/redis-server.js';

describe('withLease (real Redis)', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
  });

  afterAll(async () => {
    client.disconnect();
    await redis.destroy();
  });

  it('one holder at a time; a second caller is told at once, not blocked', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = withLease(client, 'l:one', async () => {
      await held;
      return 'first';
    });
    await expect.poll(() => client.exists('l:one')).toBe(1);
    expect(await withLease(client, 'l:one', async () => 'second')).toEqual({ acquired: false });
    release();
    expect(await first).toEqual({ acquired: true, value: 'first' });
    expect(await client.exists('l:one')).toBe(0);
    expect(await withLease(client, 'l:one', async () => 'third')).toEqual({ acquired: true, value: 'third' });
  });

  it('a live holder keeps it past its ttl by renewing', async () => {
    const result = await withLease(
      client,
      'l:long',
      async () => {
        await new Promise((r) => setTimeout(r, 700));
        return client.pttl('l:long');
      },
      { ttlMs: 300 },
    );
    expect(result.acquired).toBe(true);
    expect(result.acquired && result.value).toBeGreaterThan(0);
  });

  it("a dead holder's lease frees itself within the ttl (a SIGKILLed process)", async () => {
    // What a killed holder leaves behind: the key, with nobody renewing it.
    await client.set('l:dead', 'a-dead-token', 'PX', 400);
    expect(await withLease(client, 'l:dead', async () => 1)).toEqual({ acquired: false });
    await new Promise((r) => setTimeout(r, 450));
    expect(await withLease(client, 'l:dead', async () => 1)).toEqual({ acquired: true, value: 1 });
  });

  it("releasing never frees another holder's lease", async () => {
    await withLease(
      client,
      'l:theirs',
      async () => {
        // Our lease is gone (expired while Redis stalled) and another holder took the key.
        await client.set('l:theirs', 'their-token');
      },
      { ttlMs: 10_000 },
    );
    expect(await client.get('l:theirs')).toBe('their-token');
  });

  it('the lease is freed when the work throws', async () => {
    await expect(withLease(client, 'l:throws', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await client.exists('l:throws')).toBe(0);
  });
});
