import type { RedisClient } from '../../src/redis.js';
import { recordVolumeStatus, type VolumeStatus } from '../../src/status/volume-status.js';

/** What is stored before the resize call, so a retried or recovered job never resizes twice. */
export interface ResizeIntent {
  volumeId: number;
  volumeName: string;
  fromGb: number;
  toGb: number;
  /** Our clock when the resize was decided; actions started after it are ours. */
  issuedAt: number;
  /** Set as soon as the API answered the resize POST. */
  actionId?: number;
  /** The volume already has the new size though no action of ours was found: nothing to call. */
  sizeReached?: boolean;
  /** The budget entry this resize holds, given back if the API refuses the resize. */
  budgetMember: string;
  linuxDevice: string;
  format?: string | null;
  /** The job that issued it. */
  owner: string;
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
const ACQUIRE = `local v = redis.call('get', KEYS[1])
if v == false then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
// Rolling-hour budget across all volumes and replicas: drop old entries, count, maybe add.
const RESERVE = `redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1] - 3600000)
local n = redis.call('zcard', KEYS[1])
if n >= tonumber(ARGV[2]) then
  local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, oldest[2] or ARGV[1]}
end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[3])
redis.call('pexpire', KEYS[1], 3600000)
return {1, ARGV[1]}`;

/**
 * Redis state of volume resizing, shared by every replica: the per-volume lock (one resize in
 * flight), the cooldown, the stored intent, the hourly budget, the cap-warning window and the
 * steps already done after a resize. All keys start with the configured prefix.
 */
export class VolumeResizeState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  key(kind: string, ...parts: (string | number)[]): string {
    return [`${this.prefix}:volume-resize:${kind}`, ...parts].join(':');
  }

  /** Takes the volume's lock, or renews it when `owner` (a job id) already holds it (a retried job). */
  async acquireLock(volumeId: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, this.key('lock', volumeId), owner, String(ttlMs))) === 1;
  }

  async releaseLock(volumeId: number, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key('lock', volumeId), owner);
  }

  /** Milliseconds of cooldown left (0: none). */
  async cooldownLeft(volumeId: number): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.key('cooldown', volumeId)));
  }

  async startCooldown(volumeId: number, ms: number): Promise<void> {
    if (ms > 0) await this.redis.set(this.key('cooldown', volumeId), String(Date.now()), 'PX', ms);
  }

  async clearCooldown(volumeId: number): Promise<void> {
    await this.redis.del(this.key('cooldown', volumeId));
  }

  /** Size and last resize for the /status page. */
  async recordStatus(volumeId: number, status: VolumeStatus): Promise<void> {
    await recordVolumeStatus(this.redis, this.prefix, volumeId, status);
  }

  async getIntent(volumeId: number): Promise<ResizeIntent | undefined> {
    const raw = await this.redis.get(this.key('intent', volumeId));
    return raw ? (JSON.parse(raw) as ResizeIntent) : undefined;
  }

  /** Kept a week: an intent is only removed once every step after the resize is done. */
  async saveIntent(intent: ResizeIntent): Promise<void> {
    await this.redis.set(this.key('intent', intent.volumeId), JSON.stringify(intent), 'EX', 7 * 86_400);
  }

  async clearIntent(volumeId: number): Promise<void> {
    await this.redis.del(this.key('intent', volumeId));
  }

  async reserveBudget(limit: number, member: string, now = Date.now()): Promise<{ ok: true } | { ok: false; freeInMs: number }> {
    const [ok, oldest] = (await this.redis.eval(RESERVE, 1, this.key('budget'), String(now), String(limit), member)) as [number, string];
    if (ok === 1) return { ok: true };
    return { ok: false, freeInMs: Math.max(0, Number(oldest) + 3_600_000 - now) };
  }

  /** Read-only look at the hourly budget (for `alertworks volume plan`): resizes in the last hour and when the oldest leaves it. */
  async budgetUsage(now = Date.now()): Promise<{ used: number; freeInMs: number }> {
    const entries = await this.redis.zrangebyscore(this.key('budget'), now - 3_600_000, '+inf', 'WITHSCORES');
    const oldest = entries[1] === undefined ? now : Number(entries[1]);
    return { used: entries.length / 2, freeInMs: Math.max(0, oldest + 3_600_000 - now) };
  }

  async releaseBudget(member: string): Promise<void> {
    await this.redis.zrem(this.key('budget'), member);
  }

  /**
   * true for the first report of `kind` inside a window, false for later ones: floods (refused
   * references, alerts past the budget) get one message per window, not one each. The job that
   * won the window (`owner`) keeps it, so its retry still posts.
   */
  async firstReport(kind: string, windowMs: number, owner: string): Promise<boolean> {
    const key = this.key('report', kind);
    if ((await this.redis.set(key, owner, 'PX', Math.max(1000, Math.round(windowMs)), 'NX')) === 'OK') return true;
    return (await this.redis.get(key)) === owner;
  }

  /** Whether Redis holds the record of this volume's recent resizes (false after data loss, or on first sight). */
  async historyKnown(volumeId: number): Promise<boolean> {
    return (await this.redis.exists(this.key('history', volumeId))) === 1;
  }

  /** No expiry: the marker must go exactly when the records it vouches for go (Redis data loss). */
  async markHistoryKnown(volumeId: number): Promise<void> {
    await this.redis.set(this.key('history', volumeId), String(Date.now()));
  }

  async budgetHistoryKnown(): Promise<boolean> {
    return (await this.redis.exists(this.key('history', 'budget'))) === 1;
  }

  async markBudgetHistoryKnown(): Promise<void> {
    await this.redis.set(this.key('history', 'budget'), String(Date.now()));
  }

  /** A cooldown recalled from Hetzner's record; never shortens one that is running. */
  async recallCooldown(volumeId: number, ms: number, startedAt: number): Promise<void> {
    if (ms > 0) await this.redis.set(this.key('cooldown', volumeId), String(startedAt), 'PX', Math.ceil(ms), 'NX');
  }

  /**
   * Puts resizes found at Hetzner into the rolling-hour budget, unless an entry of ours for the
   * same volume within `skewMs` of it is there already (our own reservation of that resize).
   */
  async recallBudget(volumeId: number, resizes: readonly { actionId: number; startedAt: number }[], skewMs: number): Promise<number> {
    const key = this.key('budget');
    let added = 0;
    for (const r of resizes) {
      const near = await this.redis.zrangebyscore(key, r.startedAt - skewMs, r.startedAt + skewMs);
      if (near.some((m) => m.startsWith(`${volumeId}:`) || m === `hetzner:${r.actionId}`)) continue;
      added += await this.redis.zadd(key, 'NX', r.startedAt, `hetzner:${r.actionId}`);
    }
    if (added > 0) await this.redis.pexpire(key, 3_600_000);
    return added;
  }

  /** true once per window: the first "at the cap" of a volume inside it is reported, later ones not. */
  async firstCapWarning(volumeId: number, windowMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('capwarn', volumeId), '1', 'PX', Math.max(1000, windowMs), 'NX')) === 'OK';
  }

  /** Marks a step after a resize done; true if this call was the first to mark it. */
  async markDone(volumeId: number, issuedAt: number, step: string): Promise<boolean> {
    const key = this.key('done', volumeId, issuedAt);
    const [[, added] = [null, 0]] = (await this.redis.multi().sadd(key, step).expire(key, 7 * 86_400).exec()) ?? [];
    return added === 1;
  }

  async isDone(volumeId: number, issuedAt: number, step: string): Promise<boolean> {
    return (await this.redis.sismember(this.key('done', volumeId, issuedAt), step)) === 1;
  }
}
