import type { RedisClient as Redis } from '../redis.js';
import { COARSE, FINE, MAX_REASON_CHARS, MAX_TRANSITIONS, decodeRing, type ProbeBucket, type RingTier } from './layout.js';
import { RECORD_HISTORY } from './record.lua.js';
import { uptimeOver, type StateTransition, type UptimeFigure } from './uptime.js';

export type { ProbeBucket } from './layout.js';
export type { StateTransition, UptimeFigure } from './uptime.js';

/** The windows the page and the API report. */
export const UPTIME_WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

export interface HistoryInput {
  name: string;
  /** The run's scheduled time: a result not newer than the last recorded one is a duplicate. */
  runAt: number;
  /** When the result was recorded (epoch ms). */
  at: number;
  success: boolean;
  durationSeconds: number;
  /** The state machine's state after this result, and since when. */
  state: 'up' | 'down' | 'unknown';
  stateSince?: number;
  /** Why (for a DOWN): failure reason and error text; bounded before storing. */
  reason?: string;
}

export interface CheckHistorySummary {
  name: string;
  state: 'up' | 'down' | 'unknown';
  /** First result ever recorded, and the latest (epoch ms). */
  firstAt?: number;
  lastAt?: number;
  uptime: Record<UptimeWindow, UptimeFigure>;
  /** Newest first. */
  transitions: StateTransition[];
  /** 5-minute buckets of the last 24 h, oldest first. */
  responseTimes: ProbeBucket[];
}

/**
 * The owner of check history in Redis (`<prefix>:history:<check>:{meta,fine,coarse,transitions}`).
 * Memory per check is fixed: two pre-allocated rings (288 × 16 B + 720 × 16 B = 16,128 B) plus at
 * most MAX_TRANSITIONS short entries — see docs/history.md for the measured figures.
 */
export class CheckHistory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(name: string, part: 'meta' | RingTier['name'] | 'transitions'): string {
    return `${this.prefix}:history:${name}:${part}`;
  }

  /** Records one probe result; true when it was new (false: a duplicate run). */
  async record(input: HistoryInput): Promise<boolean> {
    const reply = await this.redis.eval(
      RECORD_HISTORY,
      4,
      this.key(input.name, 'meta'),
      this.key(input.name, 'fine'),
      this.key(input.name, 'coarse'),
      this.key(input.name, 'transitions'),
      String(input.runAt),
      String(Math.round(input.at)),
      input.success ? '1' : '0',
      (input.durationSeconds * 1000).toFixed(3),
      input.state,
      input.stateSince === undefined ? '' : String(Math.round(input.stateSince)),
      (input.reason ?? '').replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON_CHARS),
      String(MAX_TRANSITIONS),
      String(FINE.bucketMs),
      String(FINE.slots),
      String(COARSE.bucketMs),
      String(COARSE.slots),
    );
    return Number(reply) > 0;
  }

  /**
   * Uptime, transitions and the 24 h response-time buckets of each named check. Transition
   * lists change only when a check changes state, so they are kept parsed in this process and
   * read again only for checks whose last transition (`since`, list length) moved: a page with
   * 1,000 checks reads their small meta hashes and rings, not 1,000 lists (bench/status-page.ts).
   */
  async summaries(names: readonly string[], now: number): Promise<CheckHistorySummary[]> {
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) {
      pipeline.hgetall(this.key(name, 'meta'));
      pipeline.llen(this.key(name, 'transitions'));
      pipeline.getBuffer(this.key(name, 'fine'));
    }
    const replies = (await pipeline.exec()) ?? [];
    const value = (i: number) => {
      const [err, v] = replies[i] ?? [null, null];
      if (err) throw err;
      return v;
    };
    const metas = names.map((_, i) => (value(i * 3) ?? {}) as Record<string, string>);
    const marks = names.map((_, i) => `${metas[i]!.since ?? ''}/${Number(value(i * 3 + 1) ?? 0)}`);
    const stale = names.flatMap((name, i) => (transitionCache.get(this.key(name, 'transitions'))?.mark === marks[i] ? [] : [i]));
    if (stale.length > 0) {
      const reads = this.redis.pipeline();
      for (const i of stale) reads.lrange(this.key(names[i]!, 'transitions'), 0, -1);
      const lists = (await reads.exec()) ?? [];
      stale.forEach((i, k) => {
        const [err, list] = lists[k] ?? [null, []];
        if (err) throw err;
        const parsed = ((list ?? []) as string[]).map(parseTransition).filter((t): t is StateTransition => t !== undefined);
        transitionCache.set(this.key(names[i]!, 'transitions'), { mark: marks[i]!, list: parsed, full: (list as string[]).length >= MAX_TRANSITIONS });
      });
    }
    return names.map((name, i) => {
      const cached = transitionCache.get(this.key(name, 'transitions'))!;
      return summarize(name, metas[i]!, cached.list, cached.full, (value(i * 3 + 2) ?? null) as Buffer | null, now);
    });
  }

  /** Hourly buckets of the last `windowMs` (at most 30 days), oldest first. */
  async hourly(name: string, now: number, windowMs: number): Promise<ProbeBucket[]> {
    const raw = await this.redis.getBuffer(this.key(name, 'coarse'));
    return decodeRing(COARSE, raw, now - windowMs, now + 1);
  }

  /** Drops the history of a check that left the config. */
  async forget(name: string): Promise<void> {
    await this.redis.del(this.key(name, 'meta'), this.key(name, 'fine'), this.key(name, 'coarse'), this.key(name, 'transitions'));
  }
}

/** `at|to|from|previousMs|reason` (reason may hold "|"); undefined for anything else. */
export function parseTransition(entry: string): StateTransition | undefined {
  // indexOf, not split: the page parses up to 200 of these per check for 1,000 checks.
  const a = entry.indexOf('|');
  const b = entry.indexOf('|', a + 1);
  const c = entry.indexOf('|', b + 1);
  const d = entry.indexOf('|', c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
  const to = entry.slice(a + 1, b);
  if (to !== 'up' && to !== 'down') return undefined;
  const from = entry.slice(b + 1, c);
  const at = Number(entry.slice(0, a));
  const previousStateMs = Number(entry.slice(c + 1, d));
  // Hand-parsed, not zod: up to 200 per check per render. An entry of another shape is skipped.
  if (!Number.isFinite(at) || !Number.isFinite(previousStateMs) || a === 0 || d === c + 1) return undefined;
  return {
    at,
    to,
    from: from === 'up' || from === 'down' ? from : 'unknown',
    previousStateMs,
    reason: d + 1 < entry.length ? entry.slice(d + 1) : undefined,
  };
}

/**
 * Parsed transition lists by key, with the meta `since` and length they were read at. Bounded by
 * the configured checks (only their names are ever read); a check that left keeps one entry.
 */
const transitionCache = new Map<string, { mark: string; list: StateTransition[]; full: boolean }>();

function summarize(
  name: string,
  meta: Record<string, string>,
  transitions: StateTransition[],
  full: boolean,
  fine: Buffer | null,
  now: number,
): CheckHistorySummary {
  const firstAt = meta.firstAt ? Number(meta.firstAt) : undefined;
  const uptime = {} as Record<UptimeWindow, UptimeFigure>;
  for (const [label, ms] of Object.entries(UPTIME_WINDOWS) as [UptimeWindow, number][]) {
    uptime[label] = uptimeOver(transitions, { from: now - ms, to: now, truncated: full });
  }
  const state = meta.state === 'up' || meta.state === 'down' ? meta.state : 'unknown';
  return {
    name,
    state,
    firstAt,
    lastAt: meta.lastAt ? Number(meta.lastAt) : undefined,
    uptime,
    transitions,
    responseTimes: decodeRing(FINE, fine, now - FINE.bucketMs * FINE.slots + 1, now + 1),
  };
}
