import type { RedisClient } from '../../src/redis.js';
import { z } from 'zod';
import { describeIssues, isUnreadable, parseJsonRecord, type UnreadableRecord } from '../../src/state/stored-record.js';

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

/** What the resize action records about a volume it has seen (for /status). */
export interface VolumeStatus {
  /** Last size seen (GB). */
  sizeGb: number;
  /** The volume's name at Hetzner, so an allowlist entry by name finds this record. */
  name?: string;
  /** Set when this record is a finished resize. */
  lastResize?: { at: number; fromGb: number; toGb: number };
}

/** One allowlisted volume as /status shows it, read through this module only. */
export interface VolumeView {
  /** The id, from the entry or from the name a job has seen; undefined: no job saw it yet. */
  id?: number;
  sizeGb?: number;
  lastResize?: { at: number; fromGb: number; toGb: number };
  /** A resize issued and not finished yet. */
  inFlight?: { fromGb: number; toGb: number; issuedAt: number };
  /** 0: no cooldown running. */
  cooldownLeftMs: number;
  /** Records found but not readable (another version's, or damaged): what is wrong with each. */
  unreadable?: string[];
}

const int = z.coerce.number().int();
// Stored by recordStatus as a Redis hash of strings; parsed, never trusted, when read.
const statusHash = z.object({
  sizeGb: int.nonnegative(),
  lastResizeAt: int.optional(),
  lastResizeFromGb: int.optional(),
  lastResizeToGb: int.optional(),
});
const storedIntent = z.object({
  volumeId: z.number().int(),
  volumeName: z.string(),
  fromGb: z.number(),
  toGb: z.number(),
  issuedAt: z.number(),
  actionId: z.number().int().optional(),
  sizeReached: z.boolean().optional(),
  budgetMember: z.string(),
  linuxDevice: z.string(),
  format: z.string().nullable().optional(),
  owner: z.string(),
}) satisfies z.ZodType<ResizeIntent>;

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
 * flight), the cooldown, the stored intent, the hourly budget, the cap-warning window, the
 * steps already done after a resize and what /status shows (size, last resize, name -> id).
 * All keys start with the configured prefix; nothing outside this class builds them.
 */
export class VolumeResizeState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(kind: string, ...parts: (string | number)[]): string {
    return [`${this.prefix}:volume-resize:${kind}`, ...parts].join(':');
  }

  /** Kept under its original name (`<prefix>:volume:<id>`) so records from older versions still show. */
  private statusKey(volumeId: number): string {
    return `${this.prefix}:volume:${volumeId}`;
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

  /**
   * Size and last resize for the /status page, and the volume's name -> id (an allowlist entry
   * by name has no id until a job sees the volume). Kept without expiry, one small hash per
   * allowlisted volume; safe to repeat. Lost with Redis, it comes back with the next job.
   */
  async recordStatus(volumeId: number, status: VolumeStatus): Promise<void> {
    const fields: Record<string, string> = { sizeGb: String(status.sizeGb), seenAt: String(Date.now()) };
    if (status.lastResize) {
      fields.lastResizeAt = String(status.lastResize.at);
      fields.lastResizeFromGb = String(status.lastResize.fromGb);
      fields.lastResizeToGb = String(status.lastResize.toGb);
    }
    const tx = this.redis.multi().hset(this.statusKey(volumeId), fields);
    if (status.name) tx.hset(this.key('names'), status.name, String(volumeId));
    await tx.exec();
  }

  /** What /status shows for one allowlist entry (by id, by name, or both). Read-only. */
  async view(entry: { id?: number | undefined; name?: string | undefined }): Promise<VolumeView> {
    const id = entry.id ?? (entry.name !== undefined ? parseId(await this.redis.hget(this.key('names'), entry.name)) : undefined);
    if (id === undefined) return { cooldownLeftMs: 0 };
    const [hash, intentJson, cooldownMs] = await Promise.all([
      this.redis.hgetall(this.statusKey(id)),
      this.redis.get(this.key('intent', id)),
      this.redis.pttl(this.key('cooldown', id)),
    ]);
    const view: VolumeView = { id, cooldownLeftMs: Math.max(0, cooldownMs) };
    const problems: string[] = [];
    if (Object.keys(hash).length > 0) {
      const status = statusHash.safeParse(hash);
      if (status.success) {
        view.sizeGb = status.data.sizeGb;
        const { lastResizeAt: at, lastResizeFromGb: fromGb, lastResizeToGb: toGb } = status.data;
        if (at !== undefined && fromGb !== undefined && toGb !== undefined) view.lastResize = { at, fromGb, toGb };
      } else {
        problems.push(`status of volume ${id}: ${describeIssues(status.error)}`);
      }
    }
    const intent = this.parseIntent(id, intentJson);
    if (isUnreadable(intent)) problems.push(`${intent.what}: ${intent.problem}`);
    else if (intent) view.inFlight = { fromGb: intent.fromGb, toGb: intent.toGb, issuedAt: intent.issuedAt };
    if (problems.length > 0) view.unreadable = problems;
    return view;
  }

  private parseIntent(volumeId: number, raw: string | null): ResizeIntent | UnreadableRecord | undefined {
    return parseJsonRecord(storedIntent, raw, `resize intent of volume ${volumeId}`);
  }

  /**
   * The unfinished resize of a volume, if one is stored. An intent that does not fit the
   * schema is returned as an UnreadableRecord: the caller decides (the job treats it as lost
   * and falls back to Hetzner's history of resizes, as after a Redis loss).
   */
  async getIntent(volumeId: number): Promise<ResizeIntent | UnreadableRecord | undefined> {
    return this.parseIntent(volumeId, await this.redis.get(this.key('intent', volumeId)));
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
    const [[, added] = [null, 0]] =
      (await this.redis
        .multi()
        .sadd(key, step)
        .expire(key, 7 * 86_400)
        .exec()) ?? [];
    return added === 1;
  }

  async isDone(volumeId: number, issuedAt: number, step: string): Promise<boolean> {
    return (await this.redis.sismember(this.key('done', volumeId, issuedAt), step)) === 1;
  }
}

function parseId(value: string | null): number | undefined {
  return value !== null && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}
