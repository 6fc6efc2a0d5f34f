import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient as Redis } from '../src/redis.js';

/**
 * Which config generation owns the check schedules. Every `work` replica derives the
 * schedules from its own config; replicas with different configs would undo each other's
 * (the one with fewer checks removing the others'). So the first replica records its
 * generation (a hash of its check set) in `<prefix>:checks:owner` with a heartbeat per live
 * replica; replicas of the same generation join it, a replica of another generation is told
 * who owns them and changes nothing — until no replica of the owning generation is left
 * (heartbeats expired, or released at a clean stop) or it is told to take over.
 */

const CLAIM = `local now = tonumber(ARGV[1])
local gen = redis.call('hget', KEYS[1], 'generation')
local alive = 0
local fields = redis.call('hgetall', KEYS[1])
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 8) == 'replica:' then
    if tonumber(fields[i + 1]) <= now then redis.call('hdel', KEYS[1], f)
    elseif f ~= 'replica:' .. ARGV[3] then alive = alive + 1 end
  end
end
if gen and gen ~= ARGV[2] and alive > 0 and ARGV[5] ~= '1' then
  return {0, gen, redis.call('hget', KEYS[1], 'checks') or '[]', alive}
end
if gen ~= ARGV[2] then
  redis.call('del', KEYS[1])
  redis.call('hset', KEYS[1], 'generation', ARGV[2], 'checks', ARGV[6])
end
redis.call('hset', KEYS[1], 'replica:' .. ARGV[3], now + tonumber(ARGV[4]))
redis.call('pexpire', KEYS[1], ARGV[4])
return {1, gen or '', '', alive}`;

/** What a check name may be (checks/types/base.ts); names read back from Redis are held to it before they reach logs or chat. */
const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export type Claim =
  /** This replica's generation owns the schedules; `previous` is the generation it replaced ('' = none recorded). */
  | { owner: true; previous: string }
  /** Another generation with live replicas owns them. */
  | { owner: false; generation: string; checks: string[]; replicas: number };

/** A short stable hash of the check set: every field of every check, in name order. */
export function checkGeneration(checks: readonly { name: string }[]): string {
  const sorted = [...checks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return createHash('sha256').update(stableJson(sorted)).digest('hex').slice(0, 12);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class ScheduleOwnership {
  /** This process, as it appears in the owner record. */
  readonly replica = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get key(): string {
    return `${this.prefix}:checks:owner`;
  }

  /** Joins (heartbeat) or takes the ownership; `ttlMs` is how long this heartbeat counts. */
  async claim(generation: string, checkNames: readonly string[], ttlMs: number, force: boolean, now = Date.now()): Promise<Claim> {
    const [owner, gen, checks, replicas] = (await this.redis.eval(
      CLAIM,
      1,
      this.key,
      String(now),
      generation,
      this.replica,
      String(ttlMs),
      force ? '1' : '0',
      JSON.stringify(checkNames),
    )) as [number, string, string, number];
    if (owner === 1) return { owner: true, previous: gen };
    let names: string[] = [];
    try {
      const parsed: unknown = JSON.parse(checks);
      if (Array.isArray(parsed)) names = parsed.filter((n): n is string => typeof n === 'string' && CHECK_NAME.test(n));
    } catch {
      // A record written by hand or by another version: the generation still says enough.
    }
    return { owner: false, generation: gen, checks: names, replicas };
  }

  /** A clean stop: this replica no longer counts, so a replica of a new config may take over at once. */
  async release(): Promise<void> {
    await this.redis.hdel(this.key, `replica:${this.replica}`);
  }
}
