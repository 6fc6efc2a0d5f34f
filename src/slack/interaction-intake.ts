import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../redis.js';
import type { Logger } from '../observability/logger.js';
import { parseClick, type Click } from './interaction-payload.js';
import { countInteraction } from './metrics.js';
import { refusalLog, type RefusalLog } from './refusal-log.js';
import { MAX_AGE_SECONDS } from './signature.js';

/** The queue clicks and approval expiries are worked from. */
export const INTERACTIONS_QUEUE = 'slack-interactions';

export interface ClickJobData {
  click: Click;
  receivedAt: number;
  via: 'http' | 'socket';
}

export type IntakeResult = { kind: 'queued' } | { kind: 'replayed' } | { kind: 'rejected'; reason: string };

/**
 * Where a click enters, from the HTTP endpoint or Socket Mode: parsed, refused if seen before
 * (replay), stored as a job. The answer to Slack does not wait for the work (3-second rule).
 */
export class InteractionIntake {
  private readonly refused: RefusalLog;

  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly prefix: string,
    logger: Logger,
  ) {
    this.refused = refusalLog(logger, 'slack interaction refused');
  }

  /** `deliveryId` names this delivery (the request signature, or the envelope id). */
  async accept(payload: unknown, deliveryId: string, via: ClickJobData['via']): Promise<IntakeResult> {
    const parsed = parseClick(payload);
    if (!parsed.ok) {
      countInteraction('unknown', parsed.unknownButton ? 'unknown_button' : 'bad_request');
      this.refused(parsed.unknownButton ? 'unknown_button' : 'bad_request', { detail: parsed.reason, via });
      return { kind: 'rejected', reason: parsed.reason };
    }
    const digest = createHash('sha256').update(deliveryId).digest('hex').slice(0, 40);
    // Kept twice the signature window: a captured request replayed inside it is refused.
    const seenKey = `${this.prefix}:slack:seen:${digest}`;
    if ((await this.redis.set(seenKey, '1', 'EX', 2 * MAX_AGE_SECONDS, 'NX')) !== 'OK') {
      countInteraction('unknown', 'replayed');
      this.refused('replayed', { slack_user_id: parsed.click.user.id, via });
      return { kind: 'replayed' };
    }
    try {
      const data: ClickJobData = { click: parsed.click, receivedAt: Date.now(), via };
      await this.queue.add('click', data, { jobId: `click-${digest}` });
    } catch (err) {
      await this.redis.del(seenKey).catch(() => undefined);
      throw err;
    }
    return { kind: 'queued' };
  }
}
