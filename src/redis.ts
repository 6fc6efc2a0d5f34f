import { Redis, type RedisOptions } from 'ioredis';
import { scrub } from './observability/redact.js';

/**
 * Redis connections by use:
 * - `producer` (the receiver): fails fast instead of queueing commands while Redis is away,
 *   so the webhook can answer 503 at once and Alertmanager retries.
 * - `worker` (BullMQ workers, state): waits and reconnects for as long as it takes, as BullMQ
 *   requires (`maxRetriesPerRequest: null`).
 */
export type RedisRole = 'producer' | 'worker';

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    ...extra,
  };
  const options: RedisOptions =
    role === 'producer'
      ? { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
  const client = new Redis(url, options);
  // ioredis emits 'error' on every failed reconnect; an unhandled one would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** The URL without credentials, for logs. */
export function describeRedisUrl(url: string): string {
  return scrub(url);
}

export async function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not reachable after ${timeoutMs}ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms}ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** QUIT when Redis answers; otherwise drop the connection instead of waiting for a reconnect. */
export async function closeRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), timeoutMs, 'redis quit').catch(() => client.disconnect());
}
