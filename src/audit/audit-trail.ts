import { setImmediate } from 'node:timers';
import { runScript, type RedisClient as Redis } from '../redis.js';
import type { Logger } from '../observability/logger.js';
import { boundRecord, type AuditRecord, type StoredAuditRecord } from './record.js';
import { AUDIT_KINDS, type AuditKind } from './kinds.js';
import { z } from 'zod';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';

/** Records kept (approximately: XADD MAXLEN ~ trims whole stream nodes). @defaultValue 10,000 */
// Exported for bench/redis-memory.ts (how large the capped stream gets).
export const DEFAULT_AUDIT_MAX_RECORDS = 10_000;
/** How long a record's dedup id is remembered (a retried job writes no second record). @defaultValue 7d */
const DEDUP_TTL_SECONDS = 7 * 86_400;

/** Told about each stored record (Grafana annotations); a failing sink never fails the caller. */
export type AuditSink = (record: StoredAuditRecord) => Promise<void>;

export interface AuditQuery {
  /** Epoch ms, inclusive. @defaultValue everything kept */
  since?: number;
  until?: number;
  action?: string;
  resource?: string;
  kind?: AuditKind;
  /** Newest first, at most this many. @defaultValue 100 */
  limit?: number;
  /** true: routine records only; false: decisions only. @defaultValue both, as one trail */
  routine?: boolean;
}

/**
 * Appends records in one call. KEYS[1] the stream, KEYS[2] the trail's clock, KEYS[3] the
 * other stream, KEYS[3 + i] record i's dedup key (the stream's own key = none: an empty name
 * would hash to another Cluster slot than the prefix's and fail the call with CROSSSLOT);
 * ARGV[1] the cap, then dedup TTL,
 * kind, action, resource, record per record. Returns the stream id of each record, false for a
 * duplicate.
 *
 * Ids are given here, not by XADD's `*`: both streams take them from one clock (the last id
 * given, in either stream), so that ids order records across the two streams as they were
 * stored, also within one millisecond, and the query can merge the streams by id. Without the
 * clock key (lost), the next id still follows the time and both streams' newest ids.
 */
const APPEND_MANY = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = -1
local function atLeast(id)
  local dash = string.find(id, '-', 1, true)
  if not dash then return end
  local idMs, idSeq = tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
  if not idMs or not idSeq then return end
  if idMs > ms or (idMs == ms and idSeq > seq) then ms, seq = idMs, idSeq end
end
local clock = redis.call('GET', KEYS[2])
if clock then atLeast(clock) end
for s = 1, 3, 2 do
  local top = redis.call('XREVRANGE', KEYS[s], '+', '-', 'COUNT', 1)
  if top[1] then atLeast(top[1][1]) end
end
local out = {}
for i = 4, #KEYS do
  local a = 2 + (i - 4) * 5
  local fresh = true
  if KEYS[i] ~= KEYS[1] then fresh = redis.call('SET', KEYS[i], '1', 'NX', 'EX', tonumber(ARGV[a])) ~= false end
  if fresh then
    seq = seq + 1
    local id = string.format('%d-%d', ms, seq)
    out[i - 3] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id, 'kind', ARGV[a + 1], 'action', ARGV[a + 2], 'resource', ARGV[a + 3], 'r', ARGV[a + 4])
  else
    out[i - 3] = false
  end
end
if seq >= 0 then redis.call('SET', KEYS[2], string.format('%d-%d', ms, seq)) end
return out
`;

/**
 * Records per script call. One call per event-loop turn carries every record written in that
 * turn; a turn with more is split so that no single script holds Redis for long.
 */
const MAX_BATCH = 500;

interface PendingAppend {
  /** The stream it goes to (decisions or routine). */
  stream: string;
  record: AuditRecord;
  /** Absent for a record without a dedup id (the script is given its stream's key in its place). */
  dedupKey?: string;
  ttlSeconds: number;
  settle: (id: string | null, err?: unknown) => void;
}

export interface AuditAppendOptions {
  /**
   * Routine records (one per alert: each `received`, each chat post) go to a stream of their
   * own, so that a storm of them cannot push the decisions (resizes, approvals, failures) out
   * of the capped trail. `received` records are always routine.
   */
  routine?: boolean;
}

/**
 * The audit trail: one record per decision an action makes, in a capped Redis stream
 * (`<prefix>:audit`, XADD MAXLEN ~), routine records (every alert received, every chat post)
 * in a second one with its own cap (`<prefix>:audit:routine`), plus `<prefix>:audit:seen:<id>`
 * dedup keys. The owner of all three; the API, the CLI and the status page read both streams
 * through `query`, as one trail.
 */
export class AuditTrail {
  private readonly sinks: AuditSink[] = [];
  /** Records waiting for this turn's write (see `append`). */
  private pending: PendingAppend[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** `maxRecords` / `maxRoutineRecords` as in the config's `audit` section. */
    private readonly options: { maxRecords?: number; maxRoutineRecords?: number; logger?: Logger } = {},
  ) {}

  /** The decisions' stream; also the prefix of every dedup key (`<key>:seen:<id>`). */
  get key(): string {
    return `${this.prefix}:audit`;
  }

  /** The routine records' stream (see AuditAppendOptions). */
  get routineKey(): string {
    return `${this.prefix}:audit:routine`;
  }

  addSink(sink: AuditSink): this {
    this.sinks.push(sink);
    return this;
  }

  /**
   * Appends one record. `dedupId` (e.g. job id + kind) makes a retried job's record a no-op
   * for `dedupTtlSeconds`. Returns the stored record, or undefined for a duplicate.
   */
  async record(
    input: AuditRecord,
    dedupId?: string,
    dedupTtlSeconds = DEDUP_TTL_SECONDS,
    options: AuditAppendOptions = {},
  ): Promise<StoredAuditRecord | undefined> {
    const [stored] = await this.append([{ input, dedupId }], dedupTtlSeconds, options);
    return stored ?? undefined;
  }

  /**
   * Appends records, each with its own dedup id (see `record`). Returns the stored records
   * (duplicates left out), in order.
   */
  async recordMany(
    inputs: readonly { input: AuditRecord; dedupId?: string }[],
    dedupTtlSeconds = DEDUP_TTL_SECONDS,
    options: AuditAppendOptions = {},
  ): Promise<StoredAuditRecord[]> {
    return (await this.append(inputs, dedupTtlSeconds, options)).filter((r): r is StoredAuditRecord => r !== null);
  }

  /**
   * Group commit: records from every caller of one event-loop turn (a worker finishing eight
   * jobs, a receiver answering many webhooks) go to Redis in one script call instead of one
   * each; under load most of a record's cost was that call's socket write. Each caller still
   * waits for its own records to be stored, and learns which were duplicates (null).
   */
  private async append(
    inputs: readonly { input: AuditRecord; dedupId?: string }[],
    ttlSeconds: number,
    options: AuditAppendOptions,
  ): Promise<(StoredAuditRecord | null)[]> {
    if (inputs.length === 0) return [];
    const ids = await Promise.all(
      inputs.map(
        ({ input, dedupId }) =>
          new Promise<{ record: AuditRecord; id: string | null }>((resolve, reject) => {
            const record = boundRecord(input);
            if (this.pending.length === 0) setImmediate(() => this.flush());
            this.pending.push({
              stream: options.routine || record.kind === 'received' ? this.routineKey : this.key,
              record,
              dedupKey: dedupId ? `${this.key}:seen:${dedupId}` : undefined,
              ttlSeconds,
              settle: (id, err) => (err === undefined ? resolve({ record, id }) : reject(err instanceof Error ? err : new Error(String(err)))),
            });
          }),
      ),
    );
    const stored = ids.map(({ record, id }) => (id ? { ...record, id, at: Number(id.split('-')[0]) } : null));
    for (const record of stored) {
      if (!record) continue;
      for (const sink of this.sinks) {
        sink(record).catch((err: unknown) => this.options.logger?.warn({ err, kind: record.kind }, 'audit sink failed (the action is not affected)'));
      }
    }
    return stored;
  }

  /** Writes what this turn gathered, per stream, MAX_BATCH records per script call. */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const [stream, cap] of [
      [this.key, this.options.maxRecords ?? DEFAULT_AUDIT_MAX_RECORDS],
      [this.routineKey, this.options.maxRoutineRecords ?? DEFAULT_AUDIT_MAX_RECORDS],
    ] as const) {
      const own = batch.filter((p) => p.stream === stream);
      for (let start = 0; start < own.length; start += MAX_BATCH) this.write(stream, cap, own.slice(start, start + MAX_BATCH));
    }
  }

  /** One script call: `part` appended to `stream`, each caller told its record's id. */
  private write(stream: string, cap: number, part: readonly PendingAppend[]): void {
    const args: string[] = [String(cap)];
    for (const { record: r, ttlSeconds } of part) args.push(String(ttlSeconds), r.kind, r.action, r.resource ?? '', JSON.stringify(r));
    Promise.resolve()
      .then(() =>
        runScript(
          this.redis,
          'auditAppendMany',
          APPEND_MANY,
          part.length + 3,
          stream,
          `${this.key}:clock`,
          stream === this.key ? this.routineKey : this.key,
          ...part.map((p) => p.dedupKey ?? stream),
          ...args,
        ),
      )
      .then(
        (ids) => part.forEach((p, i) => p.settle((ids as (string | null)[])[i] ?? null)),
        (err: unknown) => part.forEach((p) => p.settle(null, err)),
      );
  }

  /**
   * Records newest first, filtered by time, action, resource and kind: both streams read as
   * one trail (each stream's newest `limit` matches, merged by time), or one of them.
   */
  async query(q: AuditQuery = {}): Promise<StoredAuditRecord[]> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const streams = q.routine === undefined ? [this.key, this.routineKey] : [q.routine ? this.routineKey : this.key];
    const found = await Promise.all(streams.map((stream) => this.queryStream(stream, q, limit)));
    return found
      .flat()
      .sort((a, b) => compareStreamIds(b.id, a.id))
      .slice(0, limit);
  }

  private async queryStream(stream: string, q: AuditQuery, limit: number): Promise<StoredAuditRecord[]> {
    const out: StoredAuditRecord[] = [];
    let end = q.until === undefined ? '+' : String(q.until);
    const start = q.since === undefined ? '-' : String(q.since);
    // Pages through the stream newest first until enough records match (bounded by its cap).
    for (;;) {
      const page = await this.redis.xrevrange(stream, end, start, 'COUNT', 500);
      for (const [id, fields] of page) {
        const rec = parse(id, fields);
        if (rec && matches(rec, q)) out.push(rec);
        if (out.length >= limit) return out;
      }
      const last = page[page.length - 1];
      if (page.length < 500 || !last) return out;
      end = `(${last[0]}`;
    }
  }
}

/** Orders Redis stream ids (`<ms>-<seq>`) by time, then sequence. */
function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

const text = z.string();
/** A stored record as record() writes it (boundRecord's output); other shapes are skipped. */
const storedRecord = z.object({
  kind: z.enum(AUDIT_KINDS),
  action: text,
  summary: text,
  resource: text.optional(),
  sender: text.optional(),
  route: text.optional(),
  actor: text.optional(),
  outcome: text.optional(),
  alertname: text.optional(),
  fingerprint: text.optional(),
  // A record, not an object: links keep the order they were stored in, and a link kind a newer
  // version adds is shown by name rather than hiding the record.
  links: z.record(z.string(), text).optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
}) satisfies z.ZodType<AuditRecord>;

/** One stream entry; undefined (skipped) when it is not a record of this version's shape. */
function parse(id: string, fields: string[]): StoredAuditRecord | undefined {
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'r') json = fields[i + 1];
  const read = parseJsonRecord(storedRecord, json, `audit record ${id}`);
  if (read === undefined || isUnreadable(read)) return undefined;
  return { ...read, id, at: Number(id.split('-')[0]) };
}

function matches(r: StoredAuditRecord, q: AuditQuery): boolean {
  return (!q.action || r.action === q.action) && (!q.kind || r.kind === q.kind) && (!q.resource || (r.resource ?? '').includes(q.resource));
}
