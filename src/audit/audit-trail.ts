import type { RedisClient as Redis } from '../redis.js';
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
}

const APPEND = `
if ARGV[1] ~= '' then
  if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[2])) == false then return false end
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'kind', ARGV[4], 'action', ARGV[5], 'resource', ARGV[6], 'r', ARGV[7])
`;

/**
 * APPEND for many records in one call (a webhook of 50 alerts: one round trip and one script
 * run, not 50). KEYS[1] the stream, KEYS[1 + i] record i's dedup key ('' = none);
 * ARGV[1] dedup TTL, ARGV[2] cap, then kind, action, resource, record per record. Returns
 * the stream id of each record, false for a duplicate.
 */
const APPEND_MANY = `
local out = {}
for i = 2, #KEYS do
  local a = 3 + (i - 2) * 4
  local fresh = true
  if KEYS[i] ~= '' then fresh = redis.call('SET', KEYS[i], '1', 'NX', 'EX', tonumber(ARGV[1])) ~= false end
  if fresh then
    out[i - 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'kind', ARGV[a], 'action', ARGV[a + 1], 'resource', ARGV[a + 2], 'r', ARGV[a + 3])
  else
    out[i - 1] = false
  end
end
return out
`;

/**
 * The audit trail: one record per decision an action makes, in one capped Redis stream
 * (`<prefix>:audit`, XADD MAXLEN ~), plus `<prefix>:audit:seen:<id>` dedup keys. The owner of
 * both; the API, the CLI and the status page read through `query`.
 */
export class AuditTrail {
  private readonly sinks: AuditSink[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: { maxRecords?: number; logger?: Logger } = {},
  ) {}

  get key(): string {
    return `${this.prefix}:audit`;
  }

  addSink(sink: AuditSink): this {
    this.sinks.push(sink);
    return this;
  }

  /**
   * Appends one record. `dedupId` (e.g. job id + kind) makes a retried job's record a no-op
   * for `dedupTtlSeconds`. Returns the stored record, or undefined for a duplicate.
   */
  async record(input: AuditRecord, dedupId?: string, dedupTtlSeconds = DEDUP_TTL_SECONDS): Promise<StoredAuditRecord | undefined> {
    const r = boundRecord(input);
    const redis = this.redis as Redis & { auditAppend?: (numKeys: number, ...rest: string[]) => Promise<unknown> };
    // EVALSHA: the script's text is sent once per connection, not with every record.
    if (!redis.auditAppend) redis.defineCommand('auditAppend', { lua: APPEND });
    const id = (await redis.auditAppend!(
      2,
      this.key,
      `${this.key}:seen:${dedupId ?? ''}`,
      dedupId ?? '',
      String(dedupTtlSeconds),
      String(this.options.maxRecords ?? DEFAULT_AUDIT_MAX_RECORDS),
      r.kind,
      r.action,
      r.resource ?? '',
      JSON.stringify(r),
    )) as string | null;
    if (!id) return undefined;
    const stored = { ...r, id, at: Number(id.split('-')[0]) };
    for (const sink of this.sinks) {
      sink(stored).catch((err: unknown) => this.options.logger?.warn({ err, kind: stored.kind }, 'audit sink failed (the action is not affected)'));
    }
    return stored;
  }

  /**
   * Appends records in one round trip, each with its own dedup id (see `record`). Returns the
   * stored records (duplicates left out), in order.
   */
  async recordMany(inputs: readonly { input: AuditRecord; dedupId?: string }[], dedupTtlSeconds = DEDUP_TTL_SECONDS): Promise<StoredAuditRecord[]> {
    if (inputs.length === 0) return [];
    const records = inputs.map(({ input }) => boundRecord(input));
    const keys = inputs.map(({ dedupId }) => (dedupId ? `${this.key}:seen:${dedupId}` : ''));
    const args: string[] = [String(dedupTtlSeconds), String(this.options.maxRecords ?? DEFAULT_AUDIT_MAX_RECORDS)];
    for (const r of records) args.push(r.kind, r.action, r.resource ?? '', JSON.stringify(r));
    const ids = (await this.appendMany(keys.length + 1, this.key, ...keys, ...args)) as (string | null)[];
    const stored: StoredAuditRecord[] = [];
    records.forEach((r, i) => {
      const id = ids[i];
      if (id) stored.push({ ...r, id, at: Number(id.split('-')[0]) });
    });
    for (const record of stored) {
      for (const sink of this.sinks) {
        sink(record).catch((err: unknown) => this.options.logger?.warn({ err, kind: record.kind }, 'audit sink failed (the action is not affected)'));
      }
    }
    return stored;
  }

  /** EVALSHA of APPEND_MANY, loading the script once per connection when Redis does not know it. */
  private appendMany(numKeys: number, ...keysAndArgs: string[]): Promise<unknown> {
    const redis = this.redis as Redis & { auditAppendMany?: (numKeys: number, ...rest: string[]) => Promise<unknown> };
    if (!redis.auditAppendMany) redis.defineCommand('auditAppendMany', { lua: APPEND_MANY });
    return redis.auditAppendMany!(numKeys, ...keysAndArgs);
  }

  /** Records newest first, filtered by time, action, resource and kind. */
  async query(q: AuditQuery = {}): Promise<StoredAuditRecord[]> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const out: StoredAuditRecord[] = [];
    let end = q.until === undefined ? '+' : String(q.until);
    const start = q.since === undefined ? '-' : String(q.since);
    // Pages through the stream newest first until enough records match (bounded by its cap).
    for (;;) {
      const page = await this.redis.xrevrange(this.key, end, start, 'COUNT', 500);
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
