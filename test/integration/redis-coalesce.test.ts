import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server.destroy();
});

/** Counts the socket writes (system calls: one per _write or _writev) a connection makes from now on. */
function countWrites(socket: Socket): () => number {
  let writes = 0;
  const internals = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = internals[name];
    internals[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return () => writes;
}

async function twentyCommandsInOneTurn(client: Redis): Promise<string[]> {
  const replies: Promise<string>[] = [];
  for (let i = 0; i < 20; i++) replies.push(client.echo(`m${i}`));
  return Promise.all(replies);
}

describe('write coalescing (createRedis)', () => {
  it('sends the commands of one event-loop turn in one socket write, in order, on every new socket', async () => {
    const client = createRedis(server.url, 'worker') as Redis;
    try {
      await waitForRedis(client, 5_000);
      const writes = countWrites(client.stream as Socket);
      expect(await twentyCommandsInOneTurn(client)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      expect(writes()).toBe(1);

      // A reconnect makes a new socket: it is coalesced as well.
      const first = client.stream;
      client.disconnect(true);
      await waitFor('the reconnect', () => client.status === 'ready' && client.stream !== first, 5_000);
      const afterReconnect = countWrites(client.stream as Socket);
      expect(await twentyCommandsInOneTurn(client)).toHaveLength(20);
      expect(afterReconnect()).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('leaves a connection made with coalesceWrites: false as ioredis makes it (one write per command)', async () => {
    const client = createRedis(server.url, 'worker', { coalesceWrites: false }) as Redis;
    try {
      await waitForRedis(client, 5_000);
      const writes = countWrites(client.stream as Socket);
      await twentyCommandsInOneTurn(client);
      expect(writes()).toBeGreaterThan(10);
    } finally {
      client.disconnect();
    }
  });
});
