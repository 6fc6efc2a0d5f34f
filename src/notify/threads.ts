import { z } from 'zod';
import type { RedisClient } from '../redis.js';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';
import { TransientError } from '../errors.js';
import { keepLease, newLeaseToken, releaseLease, withLease } from '../lease.js';
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

/** The opener's lease on an incident: how long a killed opener holds the others back. */
const OPEN_LEASE_MS = 5_000;

/**
 * BEGIN of say(): KEYS steps, ref, intent, lock[, unless]; ARGV step ('' = none), now (ms),
 * ttl (s), lease token ('' = do not open), lease ttl (ms). Returns {status, ref, locked}:
 * status 0 go on (the intent is stored: before the post, so a retry looks for the message
 * before posting again), 1 said already, 2 an intent is pending (a job died while posting),
 * 3 skipped (the `unless` key exists). `locked` 1: no thread yet, and this caller opens it.
 */
const BEGIN = `
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 1 then return {3, false, 0} end
local ref = redis.call('GET', KEYS[2])
if ARGV[1] ~= '' then
  if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1, ref, 0} end
  if redis.call('EXISTS', KEYS[3]) == 1 then return {2, ref, 0} end
  redis.call('SET', KEYS[3], ARGV[2], 'EX', tonumber(ARGV[3]))
end
local locked = 0
if not ref and ARGV[4] ~= '' and redis.call('SET', KEYS[4], ARGV[4], 'PX', tonumber(ARGV[5]), 'NX') then locked = 1 end
return {0, ref, locked}
`;

/**
 * FINISH of say(): KEYS steps, intent, ref, channel, lock; ARGV step ('' = none), ttl (s),
 * the opened thread's ref ('' = none), its channel id, lease token ('' = none held).
 */
const FINISH = `
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[2]))
  redis.call('SET', KEYS[4], ARGV[4])
end
if ARGV[1] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
  redis.call('DEL', KEYS[2])
end
if ARGV[5] ~= '' and redis.call('GET', KEYS[5]) == ARGV[5] then redis.call('DEL', KEYS[5]) end
return 1
`;

type ThreadScripts = RedisClient & {
  threadBegin(numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  threadFinish(numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
};

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
    return (await this.speak(incident, message, options)).root;
  }

  /**
   * say(), unless `unlessKey` exists (e.g. the incident's resolution, which a late retry of its
   * firing message must not reopen): asked in the same round trip as the thread's state.
   */
  async sayUnless(unlessKey: string, incident: string, message: ChatMessage, options: SayOptions = {}): Promise<{ skipped: boolean; root?: ChatRef }> {
    return this.speak(incident, message, options, unlessKey);
  }

  /**
   * The common case in two round trips around the post: BEGIN (said? the thread, a pending
   * intent; stores the intent and, with no thread yet, takes the opener's lease) and FINISH
   * (the thread's ref, the step, the intent dropped and the lease freed, in one script). A
   * pending intent (a job died while posting) takes the slow path: look for the message first.
   */
  private async speak(incident: string, message: ChatMessage, options: SayOptions, unlessKey?: string): Promise<{ skipped: boolean; root?: ChatRef }> {
    const { step } = options;
    const opening = options.root ? undefined : newLeaseToken();
    const begun = await this.begin(incident, step, opening, unlessKey);
    if (begun.skipped) return { skipped: true };
    const stored = this.parseRef(incident, begun.ref);
    if (begun.said) return { skipped: false, root: stored };
    if (begun.pending) return { skipped: false, root: await this.sayAfterCrash(incident, message, options, stored) };

    const tagged = step ? { ...message, marker: { incident, step } } : message;
    let root = options.root ?? stored;
    let opened: ChatRef | undefined;
    if (root) {
      await this.notifier.post(tagged, root.ts);
    } else if (begun.locked && opening) {
      root = opened = await this.openLeased(incident, tagged, opening);
      if (options.updateRoot) {
        // The thread is out there: stored (and the lease freed) before the update can fail.
        await this.finish(incident, undefined, opened, opening);
        opened = undefined;
      }
    } else if (begun.ref === null) {
      root = await this.replyOnceOpened(incident, tagged);
    } else {
      // A stored ref that does not fit the schema: a new thread replaces it (under the lease).
      root = await this.openThread(incident, tagged);
    }
    if (options.updateRoot) await this.notifier.update(root, options.updateRoot);
    if (step || opened) await this.finish(incident, step, opened, opened ? opening : undefined);
    return { skipped: false, root };
  }

  /** BEGIN as one script call; see the script. */
  private async begin(
    incident: string,
    step: string | undefined,
    leaseToken: string | undefined,
    unlessKey: string | undefined,
  ): Promise<{ skipped: boolean; said: boolean; pending: boolean; ref: string | null; locked: boolean }> {
    const keys = [this.key(incident, 'steps'), this.key(incident, 'ref'), this.intentKey(incident, step ?? ''), this.key(incident, 'lock')];
    if (unlessKey) keys.push(unlessKey);
    const [status, ref, locked] = (await this.scripts().threadBegin(
      keys.length,
      ...keys,
      step ?? '',
      String(Date.now()),
      String(this.ttl),
      leaseToken ?? '',
      String(OPEN_LEASE_MS),
    )) as [number, string | null, number];
    return { skipped: status === 3, said: status === 1, pending: status === 2, ref: ref || null, locked: locked === 1 };
  }

  /** FINISH as one script call: the opened thread's ref, the step said, the opener's lease freed. */
  private async finish(incident: string, step: string | undefined, opened: ChatRef | undefined, leaseToken: string | undefined): Promise<void> {
    await this.scripts().threadFinish(
      5,
      this.key(incident, 'steps'),
      this.intentKey(incident, step ?? ''),
      this.key(incident, 'ref'),
      `${this.prefix}:chat:channel`,
      this.key(incident, 'lock'),
      step ?? '',
      String(this.ttl),
      opened ? JSON.stringify(opened) : '',
      opened?.channel ?? '',
      leaseToken ?? '',
    );
  }

  /** Opens the thread under the lease BEGIN took (renewed while the post runs; freed by FINISH, or here when the post fails). */
  private async openLeased(incident: string, message: ChatMessage, token: string): Promise<ChatRef> {
    const lock = this.key(incident, 'lock');
    const stop = keepLease(this.redis, lock, token, OPEN_LEASE_MS);
    try {
      return await this.notifier.post(message);
    } catch (err) {
      await releaseLease(this.redis, lock, token);
      throw err;
    } finally {
      stop();
    }
  }

  private scripts(): ThreadScripts {
    const r = this.redis as Partial<ThreadScripts> & RedisClient;
    if (!r.threadBegin) r.defineCommand('threadBegin', { lua: BEGIN });
    if (!r.threadFinish) r.defineCommand('threadFinish', { lua: FINISH });
    return r as ThreadScripts;
  }

  /**
   * A step with an intent but no record: the job before died while posting it. Looks for the
   * message before posting again, then records it as before (several round trips: rare).
   */
  private async sayAfterCrash(incident: string, message: ChatMessage, options: SayOptions, stored: ChatRef | undefined): Promise<ChatRef | undefined> {
    const step = options.step!;
    const stepsKey = this.key(incident, 'steps');
    let root = options.root ?? stored;
    const marker: MessageMarker = { incident, step };
    const posted = await this.findUnrecorded(incident, marker, root);
    if (posted && !root) {
      root = posted;
      await this.redis.set(this.key(incident, 'ref'), JSON.stringify(root), 'EX', this.ttl);
    }
    if (!posted) {
      await this.redis.set(this.intentKey(incident, step), String(Date.now()), 'EX', this.ttl);
      const tagged = { ...message, marker };
      if (root) {
        await this.notifier.post(tagged, root.ts);
      } else {
        root = await this.openThread(incident, tagged);
      }
    }
    if (options.updateRoot) await this.notifier.update(root!, options.updateRoot);
    await this.redis.multi().sadd(stepsKey, step).expire(stepsKey, this.ttl).del(this.intentKey(incident, step)).exec();
    return root;
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
    return this.replyOnceOpened(incident, message);
  }

  /** Another job is opening the incident's thread: waits for it (seconds at most) and replies in it. */
  private async replyOnceOpened(incident: string, message: ChatMessage): Promise<ChatRef> {
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
