import { randomBytes } from 'node:crypto';
import type { RedisClient as Redis } from '../redis.js';
import type { AlertJobData } from '../action.js';
import { z } from 'zod';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';

const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** What a waiting action asked to be approved; immutable once stored. */
export interface ApprovalRequest {
  id: string;
  /** The action that waits (volume-resize). */
  action: string;
  /** One pending approval per scope, e.g. `volume:4711`. */
  scope: string;
  /** The chat thread the request and its decision are written in. */
  incident: string;
  /** Human text of the plan, e.g. "grow volume `data` (4711) from 80 GB to 100 GB". */
  summary: string;
  /** The plan's target; an approval covers a re-planned resize up to this size, not beyond. */
  toGb: number;
  /** The alert job that asked; re-queued (with the approval id) once approved. */
  job: AlertJobData;
  requestedAt: number;
  expiresAt: number;
}

const storedRequest = z.object({
  id: z.string().regex(/^[a-f0-9]{32}$/),
  action: z.string(),
  scope: z.string(),
  incident: z.string(),
  summary: z.string(),
  toGb: z.number(),
  // The alert job is the queue's own shape (src/action.ts), re-queued as stored.
  job: z.custom<AlertJobData>((v) => typeof v === 'object' && v !== null && typeof (v as { dedupKey?: unknown }).dedupKey === 'string', 'not an alert job'),
  requestedAt: z.number(),
  expiresAt: z.number(),
}) satisfies z.ZodType<ApprovalRequest>;

export interface ApprovalDecision {
  state: ApprovalState;
  by?: { id: string; name: string };
  at?: number;
}

/** Moves pending -> decided atomically, so two approvers clicking at once decide once. */
const DECIDE = `if redis.call('hget', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('hset', KEYS[1], 'state', ARGV[2], 'byId', ARGV[3], 'byName', ARGV[4], 'at', ARGV[5])
if redis.call('get', KEYS[2]) == ARGV[6] then redis.call('del', KEYS[2]) end
return 1`;

/** Kept after the approval ends, so late clicks get "already decided" rather than "unknown". */
const KEEP_AFTER_MS = 7 * 86_400_000;

/**
 * Owner of the approval key family: requests (`approval:<id>`), their decision
 * (`approval:<id>:decision`, changed only by an atomic pending -> decided move) and the pending
 * approval of each scope (`approval:pending:<scope>`). If Redis loses them, the waiting action
 * is simply asked again by the alert's next delivery.
 */
export class ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [`${this.prefix}:approval`, ...parts].join(':');
  }

  /** Stores a new pending request; returns it with its id. */
  async create(request: Omit<ApprovalRequest, 'id'>): Promise<ApprovalRequest> {
    const full: ApprovalRequest = { ...request, id: randomBytes(16).toString('hex') };
    const ttl = Math.max(1, full.expiresAt - Date.now()) + KEEP_AFTER_MS;
    await this.redis
      .multi()
      .set(this.key(full.id), JSON.stringify(full), 'PX', ttl)
      .hset(this.key(full.id, 'decision'), 'state', 'pending')
      .pexpire(this.key(full.id, 'decision'), ttl)
      .set(this.key('pending', full.scope), full.id, 'PX', Math.max(1, full.expiresAt - Date.now()))
      .exec();
    return full;
  }

  /**
   * The stored request. One that does not fit the schema (another version's, or damaged) is
   * treated as gone: it cannot be approved, as if it had expired.
   */
  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!/^[a-f0-9]{32}$/.test(id)) return undefined;
    const read = parseJsonRecord(storedRequest, await this.redis.get(this.key(id)), `approval ${id}`);
    return isUnreadable(read) ? undefined : read;
  }

  async decision(id: string): Promise<ApprovalDecision> {
    const h = await this.redis.hgetall(this.key(id, 'decision'));
    const parsed = z.enum(APPROVAL_STATES).safeParse(h.state);
    const state: ApprovalState = parsed.success ? parsed.data : 'expired';
    return { state, ...(h.byId ? { by: { id: h.byId, name: h.byName ?? '' } } : {}), ...(h.at ? { at: Number(h.at) } : {}) };
  }

  /** The pending approval of a scope, if one waits. */
  async pendingFor(scope: string): Promise<ApprovalRequest | undefined> {
    const id = await this.redis.get(this.key('pending', scope));
    return id ? this.get(id) : undefined;
  }

  /** pending -> `to`; true only for the one call that made the move. */
  async decide(
    request: ApprovalRequest,
    to: Exclude<ApprovalState, 'pending'>,
    by: { id: string; name: string } = { id: '', name: '' },
    now = Date.now(),
  ): Promise<boolean> {
    const moved = await this.redis.eval(
      DECIDE,
      2,
      this.key(request.id, 'decision'),
      this.key('pending', request.scope),
      'pending',
      to,
      by.id,
      by.name,
      String(now),
      request.id,
    );
    return moved === 1;
  }
}
