import type { Redis } from 'ioredis';
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

  /** Uptime, transitions and the 24 h response-time buckets of each named check (one round trip). */
  async summaries(names: readonly string[], now: number): Promise<CheckHistorySummary[]> {
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) {
      pipeline.hgetall(this.key(name, 'meta'));
      pipeline.lrange(this.key(name, 'transitions'), 0, -1);
      pipeline.getBuffer(this.key(name, 'fine'));
    }
    const replies = (await pipeline.exec()) ?? [];
    return names.map((name, i) => {
      const [meta, list, fine] = [0, 1, 2].map((k) => {
        const [err, value] = replies[i * 3 + k] ?? [null, null];
        if (err) throw err;
        return value;
      });
      return summarize(name, (meta ?? {}) as Record<string, string>, (list ?? []) as string[], (fine ?? null) as Buffer | null, now);
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

export function parseTransition(entry: string): StateTransition | undefined {
  const parts = entry.split('|');
  const [at, to, from, prevMs] = parts;
  if (parts.length < 5 || (to !== 'up' && to !== 'down')) return undefined;
  return {
    at: Number(at),
    to,
    from: from === 'up' || from === 'down' ? from : 'unknown',
    previousStateMs: Number(prevMs),
    reason: parts.slice(4).join('|') || undefined,
  };
}

function summarize(name: string, meta: Record<string, string>, list: string[], fine: Buffer | null, now: number): CheckHistorySummary {
  const transitions = list.map(parseTransition).filter((t): t is StateTransition => t !== undefined);
  const firstAt = meta.firstAt ? Number(meta.firstAt) : undefined;
  const full = list.length >= MAX_TRANSITIONS;
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
