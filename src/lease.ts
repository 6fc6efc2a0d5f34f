import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.js';

/** Extends the lease only while it is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Frees the lease only while it is still ours: a lease that expired and was taken by another holder stays theirs. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LeaseOptions {
  /**
   * How long the lease outlives a holder that dies (SIGKILL, OOM, lost network). A live
   * holder renews it every third of this, however long its work takes. @defaultValue 5000
   */
  ttlMs?: number;
}

export type LeaseResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Runs `work` while holding a short lease on `key` (one holder across all replicas), or
 * returns `{ acquired: false }` at once when another holder has it. Unlike a long fixed
 * lock, a holder killed in the middle blocks the next one for at most `ttlMs`.
 */
type LeaseScripts = RedisClient & {
  leaseRenew?: (key: string, token: string, ttlMs: string) => Promise<unknown>;
  leaseRelease?: (key: string, token: string) => Promise<unknown>;
};

/** RENEW and RELEASE by EVALSHA: the script text goes to Redis once per connection, not per lease. */
function scripts(redis: RedisClient): Required<Pick<LeaseScripts, 'leaseRenew' | 'leaseRelease'>> {
  const r = redis as LeaseScripts;
  if (!r.leaseRenew) r.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW });
  if (!r.leaseRelease) r.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
  return r as Required<Pick<LeaseScripts, 'leaseRenew' | 'leaseRelease'>>;
}

export async function withLease<T>(redis: RedisClient, key: string, work: () => Promise<T>, options: LeaseOptions = {}): Promise<LeaseResult<T>> {
  const ttlMs = options.ttlMs ?? 5_000;
  const token = newLeaseToken();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return { acquired: false };
  const stop = keepLease(redis, key, token, ttlMs);
  try {
    return { acquired: true, value: await work() };
  } finally {
    stop();
    await releaseLease(redis, key, token);
  }
}

/** A holder's token: what RENEW and RELEASE compare, so only the holder extends or frees its lease. */
export function newLeaseToken(): string {
  return randomUUID();
}

/**
 * Renews a lease taken elsewhere (`SET key token PX ttlMs NX`, e.g. inside a script that
 * does more in the same round trip) every third of `ttlMs` until the returned stop is called.
 * The caller frees it with `releaseLease`, or in its own script with the same compare-and-delete.
 */
export function keepLease(redis: RedisClient, key: string, token: string, ttlMs: number): () => void {
  const lease = scripts(redis);
  const renew = setInterval(
    () => {
      lease.leaseRenew(key, token, String(ttlMs)).catch(() => undefined);
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  renew.unref();
  return () => clearInterval(renew);
}

/** Frees the lease if it is still `token`'s; never fails (an unreleased lease frees itself within its ttl). */
export async function releaseLease(redis: RedisClient, key: string, token: string): Promise<void> {
  await scripts(redis)
    .leaseRelease(key, token)
    .catch(() => undefined);
}
