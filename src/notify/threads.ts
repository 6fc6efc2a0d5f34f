import { z } from 'zod';
import type { RedisClient } from '../redis.js';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';
import { TransientError } from '../errors.js';
import { withLease } from '../lease.js';
import type { ChatMessage, ChatNotifier, ChatRef, MessageMarker } from './notifier.js';

export interface SayOptions {
  /**
   * Names this message within the incident. A message whose step was already said is not
   * posted again, so a retried or duplicated job repeats no message — also when the job
   * died between posting and recording: the step's intent is stored before the post, and a
   * retry looks for the tagged message (notifier.findMarked) before posting again.
   */
  step?: string;
  /** Also rewrite the thread's first message (e.g. to show "resolved"). */
  updateRoot?: ChatMessage;
  /**
   * Reply in this thread, and never open one: the caller knows where the message belongs
   * (the thread a button was clicked in), also when the incident's thread is closed, or is
   * closed by another job between the caller's look and this post.
   */
  root?: ChatRef;
}

export interface IncidentThreadsOptions {
  /** How long a thread is remembered. @defaultValue 30 days */
  ttlSeconds?: number;
}

const storedRef = z.object({ channel: z.string().min(1), ts: z.string().min(1) }) satisfies z.ZodType<ChatRef>;

/** How far before a stored intent a retry looks for its message (clock skew, slow posts). */
const LOOKBACK_MS = 60_000;

/**
 * One chat thread per incident (an alert fingerprint, a volume, a check...): the first
 * message opens the thread, later ones reply in it. Thread refs live in Redis so every
 * replica and every retry finds the same thread.
 */
export class IncidentThreads {
  private readonly ttl: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly notifier: ChatNotifier,
    private readonly prefix: string,
    options: IncidentThreadsOptions = {},
  ) {
    this.ttl = options.ttlSeconds ?? 30 * 86_400;
  }

  private key(incident: string, part: string): string {
    return `${this.prefix}:thread:${incident}:${part}`;
  }

  /**
   * The incident's thread. A stored ref that does not fit the schema is a thread nobody can
   * reply in: it reads as none, and the next message opens a new thread that replaces it.
   */
  async get(incident: string): Promise<ChatRef | undefined> {
    return this.parseRef(incident, await this.redis.get(this.key(incident, 'ref')));
  }

  private parseRef(incident: string, raw: string | null): ChatRef | undefined {
    const read = parseJsonRecord(storedRef, raw, `thread of ${incident}`);
    return isUnreadable(read) ? undefined : read;
  }

  /** Posts into the incident's thread, opening it if needed; returns the thread's root. */
  async say(incident: string, message: ChatMessage, options: SayOptions = {}): Promise<ChatRef | undefined> {
    const { step } = options;
    const stepsKey = this.key(incident, 'steps');
    // Said already? The thread, and an intent left by a job that died while posting: one round trip.
    const [said, rawRoot, intent] = await this.state(incident, step);
    const stored = this.parseRef(incident, rawRoot);
    if (said) return stored;
    let root = options.root ?? stored;
    const marker: MessageMarker | undefined = step ? { incident, step } : undefined;
    // No intent: nothing was being posted for this step, nothing to look for.
    const posted = marker && intent ? await this.findUnrecorded(incident, marker, root) : undefined;
    if (posted && !root) {
      root = posted;
      await this.redis.set(this.key(incident, 'ref'), JSON.stringify(root), 'EX', this.ttl);
    }
    if (!posted) {
      if (marker) await this.redis.set(this.intentKey(incident, marker.step), String(Date.now()), 'EX', this.ttl);
      const tagged = marker ? { ...message, marker } : message;
      if (root) {
        await this.notifier.post(tagged, root.ts);
      } else {
        root = await this.openThread(incident, tagged);
      }
    }
    if (options.updateRoot) await this.notifier.update(root!, options.updateRoot);
    if (step) {
      await this.redis.multi().sadd(stepsKey, step).expire(stepsKey, this.ttl).del(this.intentKey(incident, step)).exec();
    }
    return root;
  }

  /** Whether `step` was said, the thread's root (JSON) and whether an intent for `step` is stored. */
  private async state(incident: string, step: string | undefined): Promise<[boolean, string | null, boolean]> {
    if (!step) return [false, await this.redis.get(this.key(incident, 'ref')), false];
    const results =
      (await this.redis.multi().sismember(this.key(incident, 'steps'), step).get(this.key(incident, 'ref')).exists(this.intentKey(incident, step)).exec()) ??
      [];
    for (const [err] of results) if (err) throw err;
    return [results[0]?.[1] === 1, (results[1]?.[1] as string | null) ?? null, results[2]?.[1] === 1];
  }

  async hasSaid(incident: string, step: string): Promise<boolean> {
    return (await this.redis.sismember(this.key(incident, 'steps'), step)) === 1;
  }

  /**
   * Whether `step` reached chat, for a caller that will not post it any more (what it says is
   * over): a step whose job died between posting and recording is looked for by its marker,
   * and recorded when found; an intent whose message is not out there is dropped. A failed
   * look-up counts as said: a follow-up about a message nobody saw beats silence after one
   * everybody saw.
   */
  async settle(incident: string, step: string): Promise<boolean> {
    if (await this.hasSaid(incident, step)) return true;
    const intentKey = this.intentKey(incident, step);
    if (!(await this.redis.exists(intentKey))) return false;
    let root = await this.get(incident);
    let posted: ChatRef | undefined;
    try {
      posted = await this.lookUp(incident, { incident, step }, root);
    } catch {
      return true;
    }
    if (!posted) {
      await this.redis.del(intentKey);
      return false;
    }
    if (!root) {
      root = posted;
      await this.redis.set(this.key(incident, 'ref'), JSON.stringify(root), 'EX', this.ttl);
    }
    const stepsKey = this.key(incident, 'steps');
    await this.redis.multi().sadd(stepsKey, step).expire(stepsKey, this.ttl).del(intentKey).exec();
    return true;
  }

  /** Forgets the thread: the next message about this incident opens a new one. */
  async close(incident: string): Promise<void> {
    await this.redis.del(this.key(incident, 'ref'), this.key(incident, 'steps'));
  }

  private intentKey(incident: string, step: string): string {
    return this.key(incident, `intent:${step}`);
  }

  /**
   * A step with an intent but no record was being posted when its job died: the message may
   * be out there. Look for it (by its marker) before posting again. A failed look-up (no
   * history scope, Slack down) falls back to posting: a rare duplicate beats a lost message.
   */
  private async findUnrecorded(incident: string, marker: MessageMarker, root: ChatRef | undefined): Promise<ChatRef | undefined> {
    try {
      return await this.lookUp(incident, marker, root);
    } catch {
      return undefined;
    }
  }

  /** The message of a stored intent, looked for in chat (throws when the look-up fails). */
  private async lookUp(incident: string, marker: MessageMarker, root: ChatRef | undefined): Promise<ChatRef | undefined> {
    if (!this.notifier.findMarked) return undefined;
    const since = await this.redis.get(this.intentKey(incident, marker.step));
    if (!since) return undefined;
    const channel = root?.channel || ((await this.redis.get(`${this.prefix}:chat:channel`)) ?? undefined);
    const found = await this.notifier.findMarked(marker, { channel, threadTs: root?.ts, sinceMs: Number(since) - LOOKBACK_MS });
    // A reply was found in the thread: the thread root is what callers need.
    return found ? (root ?? found) : undefined;
  }

  private async openThread(incident: string, message: ChatMessage): Promise<ChatRef> {
    // Two jobs about one incident at once must not open two threads. A lease: a job killed
    // while opening holds the others back for seconds, not half a minute.
    const opened = await withLease(this.redis, this.key(incident, 'lock'), async () => {
      const ref = await this.notifier.post(message);
      await this.redis
        .multi()
        .set(this.key(incident, 'ref'), JSON.stringify(ref), 'EX', this.ttl)
        // The channel's id, for looking back after a crash (history calls take ids, not names).
        .set(`${this.prefix}:chat:channel`, ref.channel)
        .exec();
      return ref;
    });
    if (opened.acquired) return opened.value;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const ref = await this.get(incident);
      if (ref) {
        await this.notifier.post(message, ref.ts);
        return ref;
      }
    }
    throw new TransientError(`thread for ${incident} is being opened by another job`, 'thread_busy');
  }
}
