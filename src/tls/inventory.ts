import { z } from 'zod';
import type { RedisClient } from '../redis.js';
import { isUnreadable, parseJsonRecord, type UnreadableRecord } from '../state/stored-record.js';
import { TLS_REASONS } from './chain.js';
import { EXPIRY_LEVELS, type CertificateState } from './levels.js';

const DAY_MS = 86_400_000;
/** Level state outlives any certificate (398 days at most), so a renewal is still recognised. */
const LEVEL_STATE_TTL_SECONDS = 400 * 86_400;

const trackedCertificateSchema = z.object({
  check: z.string(),
  name: z.string(),
  kind: z.enum(['live', 'file', 'acme']),
  commonName: z.string(),
  sans: z.array(z.string()).default([]),
  issuer: z.string().default(''),
  notAfter: z.string().refine((v) => Number.isFinite(Date.parse(v)), 'not a date'),
  fingerprint: z.string().default(''),
  level: z.enum(EXPIRY_LEVELS).default('ok'),
  reason: z.enum(TLS_REASONS).optional(),
  /** When the check last read it (ISO). */
  checkedAt: z.string(),
});

/** One watched certificate as the tls check last read it (the status page lists these). */
export type TrackedCertificate = z.output<typeof trackedCertificateSchema>;

export interface TrackedCertificateView extends TrackedCertificate {
  /** As of the moment of listing, not of the check. */
  daysLeft: number;
}

export interface TrackedList {
  /** Soonest expiry first, with days left as of the listing. */
  certificates: TrackedCertificateView[];
  /** Records of the inventory that could not be read (named, so a page can say so). */
  unreadable: UnreadableRecord[];
}

const fingerprintStateSchema = z.object({
  fingerprint: z.string().min(1),
  notified: z.enum(EXPIRY_LEVELS),
  reason: z.enum(TLS_REASONS).optional(),
});

const certificateStateSchema = fingerprintStateSchema.extend({
  notAfter: z.string().optional(),
  history: z.array(fingerprintStateSchema).optional(),
});

/**
 * The TLS domain's Redis state, and its only reader and writer:
 * - `<prefix>:tls:tracked`: a hash, one field per watched certificate (`check\nname`), what the
 *   tls check last read (for `/status` and `check run`);
 * - `<prefix>:tls:state:<check>:<name>`: what was announced about a certificate (levels,
 *   chain problems, earlier fingerprints), read and written by the level rule (levels.ts).
 * Both are parsed with a schema when read; a record that does not fit is an UnreadableRecord.
 */
export class TlsInventory {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private get trackedKey(): string {
    return `${this.prefix}:tls:tracked`;
  }

  private levelKey(check: string, name: string): string {
    return `${this.prefix}:tls:state:${check}:${name}`;
  }

  /** Replaces what one check tracks (a file that is gone, or a name no longer served, drops out). */
  async saveTracked(check: string, certificates: readonly TrackedCertificate[]): Promise<void> {
    const key = this.trackedKey;
    const fields = await this.redis.hkeys(key);
    const stale = fields.filter((f) => f.startsWith(`${check}\n`) && !certificates.some((c) => `${check}\n${c.name}` === f));
    const tx = this.redis.multi();
    if (stale.length > 0) tx.hdel(key, ...stale);
    for (const cert of certificates) tx.hset(key, `${check}\n${cert.name}`, JSON.stringify(cert));
    await tx.exec();
  }

  /**
   * Every certificate the tls checks watch, soonest expiry first, with days left as of now.
   * Checks removed from the config are dropped when `knownChecks` is given.
   */
  async list(options: { now?: number; knownChecks?: readonly string[] } = {}): Promise<TrackedList> {
    const now = options.now ?? Date.now();
    const hash = await this.redis.hgetall(this.trackedKey);
    const certificates: TrackedCertificateView[] = [];
    const bad: UnreadableRecord[] = [];
    for (const [field, json] of Object.entries(hash)) {
      const [check = '', name = ''] = field.split('\n');
      if (options.knownChecks && !options.knownChecks.includes(check)) continue;
      const read = parseJsonRecord(trackedCertificateSchema, json, `certificate ${check}/${name}`);
      if (read === undefined) continue;
      if (isUnreadable(read)) bad.push(read);
      else certificates.push({ ...read, daysLeft: Math.round(((Date.parse(read.notAfter) - now) / DAY_MS) * 100) / 100 });
    }
    certificates.sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter) || a.check.localeCompare(b.check));
    bad.sort((a, b) => a.what.localeCompare(b.what));
    return { certificates, unreadable: bad };
  }

  /** What was announced about one watched certificate; undefined before the first run. */
  async levelState(check: string, name: string): Promise<CertificateState | UnreadableRecord | undefined> {
    const raw = await this.redis.get(this.levelKey(check, name));
    const read = parseJsonRecord(certificateStateSchema, raw, `announced levels of ${check}/${name}`);
    return read;
  }

  async saveLevelState(check: string, name: string, state: CertificateState): Promise<void> {
    await this.redis.set(this.levelKey(check, name), JSON.stringify(state), 'EX', LEVEL_STATE_TTL_SECONDS);
  }
}
