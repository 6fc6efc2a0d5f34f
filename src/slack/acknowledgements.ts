import type { RedisClient as Redis } from '../redis.js';
import type { IncidentThreads } from '../notify/threads.js';
import { z } from 'zod';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';

export interface Acknowledgement {
  by: { id: string; name: string };
  at: number;
}

const TTL_SECONDS = 30 * 86_400;
const storedAck = z.object({ by: z.object({ id: z.string(), name: z.string() }), at: z.number() }) satisfies z.ZodType<Acknowledgement>;

/**
 * Owner of the `ack:<incident>:<thread ts>` key family. An acknowledgement belongs to one
 * thread of one incident: when the incident's state changes (resolved, a check's next outage)
 * a new thread opens and the acknowledgement no longer applies.
 */
export class Acknowledgements {
  constructor(
    private readonly redis: Redis,
    private readonly threads: IncidentThreads,
    private readonly prefix: string,
  ) {}

  private key(incident: string, ts: string): string {
    return `${this.prefix}:ack:${incident}:${ts}`;
  }

  /** Records it; false when the thread is gone or was acknowledged already. */
  async acknowledge(incident: string, ack: Acknowledgement): Promise<{ ok: true } | { ok: false; existing?: Acknowledgement }> {
    const root = await this.threads.get(incident);
    if (!root) return { ok: false };
    const set = await this.redis.set(this.key(incident, root.ts), JSON.stringify(ack), 'EX', TTL_SECONDS, 'NX');
    if (set === 'OK') return { ok: true };
    return { ok: false, existing: await this.get(incident) };
  }

  async get(incident: string): Promise<Acknowledgement | undefined> {
    const root = await this.threads.get(incident);
    if (!root) return undefined;
    // One that cannot be read counts as none: reminders go on, which is the safe side.
    const read = parseJsonRecord(storedAck, await this.redis.get(this.key(incident, root.ts)), `acknowledgement of ${incident}`);
    return isUnreadable(read) ? undefined : read;
  }
}
