import type { Redis } from 'ioredis';
import { TransientError } from '../errors.js';
import type { ChatMessage, ChatNotifier, ChatRef } from './notifier.js';

export interface SayOptions {
  /**
   * Names this message within the incident. A message whose step was already said is not
   * posted again, so a retried or duplicated job repeats no message.
   */
  step?: string;
  /** Also rewrite the thread's first message (e.g. to show "resolved"). */
  updateRoot?: ChatMessage;
}

export interface IncidentThreadsOptions {
  /** How long a thread is remembered. @defaultValue 30 days */
  ttlSeconds?: number;
}

/**
 * One chat thread per incident (an alert fingerprint, a volume, a check...): the first
 * message opens the thread, later ones reply in it. Thread refs live in Redis so every
 * replica and every retry finds the same thread.
 */
export class IncidentThreads {
  private readonly ttl: number;

  constructor(
    private readonly redis: Redis,
    private readonly notifier: ChatNotifier,
    private readonly prefix: string,
    options: IncidentThreadsOptions = {},
  ) {
    this.ttl = options.ttlSeconds ?? 30 * 86_400;
  }

  private key(incident: string, part: string): string {
    return `${this.prefix}:thread:${incident}:${part}`;
  }

  async get(incident: string): Promise<ChatRef | undefined> {
    const raw = await this.redis.get(this.key(incident, 'ref'));
    return raw ? (JSON.parse(raw) as ChatRef) : undefined;
  }

  /** Posts into the incident's thread, opening it if needed; returns the thread's root. */
  async say(incident: string, message: ChatMessage, options: SayOptions = {}): Promise<ChatRef | undefined> {
    const stepsKey = this.key(incident, 'steps');
    if (options.step && (await this.redis.sismember(stepsKey, options.step)) === 1) return this.get(incident);

    let root = await this.get(incident);
    if (root) {
      await this.notifier.post(message, root.ts);
    } else {
      root = await this.openThread(incident, message);
    }
    if (options.updateRoot) await this.notifier.update(root, options.updateRoot);
    if (options.step) {
      await this.redis.multi().sadd(stepsKey, options.step).expire(stepsKey, this.ttl).exec();
    }
    return root;
  }

  async hasSaid(incident: string, step: string): Promise<boolean> {
    return (await this.redis.sismember(this.key(incident, 'steps'), step)) === 1;
  }

  /** Forgets the thread: the next message about this incident opens a new one. */
  async close(incident: string): Promise<void> {
    await this.redis.del(this.key(incident, 'ref'), this.key(incident, 'steps'));
  }

  private async openThread(incident: string, message: ChatMessage): Promise<ChatRef> {
    // Two jobs about one incident at once must not open two threads.
    const lockKey = this.key(incident, 'lock');
    const got = await this.redis.set(lockKey, '1', 'PX', 30_000, 'NX');
    if (got !== 'OK') {
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
    try {
      const ref = await this.notifier.post(message);
      await this.redis.set(this.key(incident, 'ref'), JSON.stringify(ref), 'EX', this.ttl);
      return ref;
    } finally {
      await this.redis.del(lockKey);
    }
  }
}
