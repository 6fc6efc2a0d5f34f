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
}

/**
 * Appends records in one call. KEYS[1] the stream, KEYS[1 + i] record i's dedup key ('' =
 * none); ARGV[1] the cap, then dedup TTL, kind, action, resource, record per record. Returns
 * the stream id of each record, false for a duplicate.
 */
const APPEND_MANY = `
local out = {}
for i = 2, #KEYS do
  local a = 2 + (i - 2) * 5
  local fresh = true
  if KEYS[i] ~= '' then fresh = redis.call('SET', KEYS[i], '1', 'NX', 'EX', tonumber(ARGV[a])) ~= false end
  if fresh then
    out[i - 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'kind', ARGV[a + 1], 'action', ARGV[a + 2], 'resource', ARGV[a + 3], 'r', ARGV[a + 4])
  else
    out[i - 1] = false
  end
end
return out
`;

/**
 * Records per script call. One call per event-loop turn carries every record written in that
 * turn; a turn with more is split so that no single script holds Redis for long.
 */
const MAX_BATCH = 500;

interface PendingAppend {
  record: AuditRecord;
  dedupKey: string;
  ttlSeconds: number;
  settle: (id: string | null, err?: unknown) => void;
}

/**
 * The audit trail: one record per decision an action makes, in one capped Redis stream
 * (`<prefix>:audit`, XADD MAXLEN ~), plus `<prefix>:audit:seen:<id>` dedup keys. The owner of
 * both; the API, the CLI and the status page read through `query`.
 */
export class AuditTrail {
  private readonly sinks: AuditSink[] = [];
  /** Records waiting for this turn's write (see `append`). */
  private pending: PendingAppend[] = [];

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
    const [stored] = await this.append([{ input, dedupId }], dedupTtlSeconds);
    return stored ?? undefined;
  }

  /**
   * Appends records, each with its own dedup id (see `record`). Returns the stored records
   * (duplicates left out), in order.
   */
  async recordMany(inputs: readonly { input: AuditRecord; dedupId?: string }[], dedupTtlSeconds = DEDUP_TTL_SECONDS): Promise<StoredAuditRecord[]> {
    return (await this.append(inputs, dedupTtlSeconds)).filter((r): r is StoredAuditRecord => r !== null);
  }

  /**
   * Group commit: records from every caller of one event-loop turn (a worker finishing eight
   * jobs, a receiver answering many webhooks) go to Redis in one script call instead of one
   * each; under load most of a record's cost was that call's socket write. Each caller still
   * waits for its own records to be stored, and learns which were duplicates (null).
   */
  private async append(inputs: readonly { input: AuditRecord; dedupId?: string }[], ttlSeconds: number): Promise<(StoredAuditRecord | null)[]> {
    if (inputs.length === 0) return [];
    const ids = await Promise.all(
      inputs.map(
        ({ input, dedupId }) =>
          new Promise<{ record: AuditRecord; id: string | null }>((resolve, reject) => {
            const record = boundRecord(input);
            if (this.pending.length === 0) setImmediate(() => this.flush());
            this.pending.push({
              record,
              dedupKey: dedupId ? `${this.key}:seen:${dedupId}` : '',
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

  /** Writes what this turn gathered, MAX_BATCH records per script call. */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const part = batch.slice(start, start + MAX_BATCH);
      const args: string[] = [String(this.options.maxRecords ?? DEFAULT_AUDIT_MAX_RECORDS)];
      for (const { record: r, ttlSeconds } of part) args.push(String(ttlSeconds), r.kind, r.action, r.resource ?? '', JSON.stringify(r));
      Promise.resolve()
        .then(() => runScript(this.redis, 'auditAppendMany', APPEND_MANY, part.length + 1, this.key, ...part.map((p) => p.dedupKey), ...args))
        .then(
          (ids) => part.forEach((p, i) => p.settle((ids as (string | null)[])[i] ?? null)),
          (err: unknown) => part.forEach((p) => p.settle(null, err)),
        );
    }
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
