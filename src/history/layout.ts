/**
 * How check history is laid out in Redis: fixed-size ring buffers of probe buckets, so the
 * memory a check uses is set when its first result arrives and never grows after that.
 *
 * Each slot is 16 bytes, big-endian: bucket number (uint32, start time / bucket size),
 * probes (uint16), successful probes (uint16), summed probe duration in ms (uint32),
 * longest probe in ms (uint32). A slot whose bucket number is not the one asked for is stale
 * (it holds the same position of an older lap) and reads as empty.
 */
export interface RingTier {
  /** Key suffix. */
  readonly name: 'fine' | 'coarse';
  readonly bucketMs: number;
  readonly slots: number;
}

export const SLOT_BYTES = 16;

/** 5-minute buckets for the last 24 h (response-time sparkline, 24 h probe ratio). */
export const FINE: RingTier = { name: 'fine', bucketMs: 5 * 60_000, slots: 288 };
/** Hourly buckets for the last 30 days (7 d / 30 d probe ratio, long trend). */
export const COARSE: RingTier = { name: 'coarse', bucketMs: 3_600_000, slots: 720 };

/** Transitions kept per check (newest first); a flapping check loses its oldest first. */
export const MAX_TRANSITIONS = 200;
/** Bytes of a transition's reason text kept (it can quote a remote error). */
export const MAX_REASON_CHARS = 160;

export interface ProbeBucket {
  /** Bucket start, epoch ms. */
  start: number;
  probes: number;
  successes: number;
  /** Mean duration of the bucket's probes, ms (undefined when it has none). */
  meanMs?: number;
  maxMs?: number;
}

/** Reads one ring: the buckets of [from, to) in time order, empty buckets included. */
export function decodeRing(tier: RingTier, raw: Buffer | null, from: number, to: number): ProbeBucket[] {
  const first = Math.floor(from / tier.bucketMs);
  const last = Math.floor((to - 1) / tier.bucketMs);
  const out: ProbeBucket[] = [];
  for (let n = Math.max(first, last - tier.slots + 1); n <= last; n++) {
    const at = (n % tier.slots) * SLOT_BYTES;
    const bucket: ProbeBucket = { start: n * tier.bucketMs, probes: 0, successes: 0 };
    if (raw && raw.length >= at + SLOT_BYTES && raw.readUInt32BE(at) === n) {
      bucket.probes = raw.readUInt16BE(at + 4);
      bucket.successes = raw.readUInt16BE(at + 6);
      if (bucket.probes > 0) {
        bucket.meanMs = raw.readUInt32BE(at + 8) / bucket.probes;
        bucket.maxMs = raw.readUInt32BE(at + 12);
      }
    }
    out.push(bucket);
  }
  return out;
}

/**
 * The most Redis memory one check's history may take (MEMORY USAGE of its four keys), measured
 * by test/integration/history-memory.test.ts after 30 days of 1-minute probes with a full
 * transition list of the longest reasons: rings 16,128 B + up to 200 transitions.
 */
export const HISTORY_BYTES_PER_CHECK_CAP = 64 * 1024;
