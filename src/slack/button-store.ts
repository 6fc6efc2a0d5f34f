import { randomBytes } from 'node:crypto';
import type { RedisClient as Redis } from '../redis.js';
import type { ChatMessage } from '../notify/notifier.js';
import { z } from 'zod';
import { isUnreadable, parseJsonRecord } from '../state/stored-record.js';

/**
 * What a button may do, stored by alertworks when it posts the message. A click carries only
 * the record's id; the payload's texts and action ids are never trusted.
 */
export type ButtonRecord =
  | { kind: 'approve'; incident: string; approvalId: string }
  | { kind: 'reject'; incident: string; approvalId: string }
  | { kind: 'silence'; incident: string; labels: Record<string, string>; durationMs: number; thread?: string }
  | { kind: 'expire-silence'; incident: string; silenceId: string }
  | { kind: 'acknowledge'; incident: string; root: ChatMessage; what: string };

export type ButtonKind = ButtonRecord['kind'];

/** Ids are 128 random bits in hex; anything else in a click is a button we never issued. */
export const BUTTON_ID = /^[a-f0-9]{32}$/;

export function newButtonId(): string {
  return randomBytes(16).toString('hex');
}

const labels = z.record(z.string(), z.string());
const storedButton = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('approve'), incident: z.string(), approvalId: z.string() }),
  z.object({ kind: z.literal('reject'), incident: z.string(), approvalId: z.string() }),
  z.object({ kind: z.literal('silence'), incident: z.string(), labels, durationMs: z.number(), thread: z.string().optional() }),
  z.object({ kind: z.literal('expire-silence'), incident: z.string(), silenceId: z.string() }),
  // The message is ours, posted as stored; only its text is required to redraw it.
  z.object({
    kind: z.literal('acknowledge'),
    incident: z.string(),
    root: z.custom<ChatMessage>((v) => typeof (v as { text?: unknown } | null)?.text === 'string', 'not a message'),
    what: z.string(),
  }),
]) satisfies z.ZodType<ButtonRecord>;

/**
 * Owner of the `slack:button:<id>` key family (what each button may do) and of
 * `slack:click:<id>:*` (what a click already did, so a retried click job does it once).
 */
export class ButtonStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:slack:button:${id}`;
  }

  /** Stores a record for `ttlMs`; returns the id its button carries. */
  async issue(record: ButtonRecord, ttlMs: number): Promise<string> {
    const id = newButtonId();
    await this.store(id, record, ttlMs);
    return id;
  }

  /** Stores a record under an id made beforehand (a record that holds the message its own button is on). */
  async store(id: string, record: ButtonRecord, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(record), 'PX', Math.max(60_000, Math.round(ttlMs)));
  }

  async get(id: string): Promise<ButtonRecord | undefined> {
    if (!BUTTON_ID.test(id)) return undefined;
    // A record of another shape is a button we cannot honour: as if it had expired.
    const read = parseJsonRecord(storedButton, await this.redis.get(this.key(id)), `button ${id}`);
    return isUnreadable(read) ? undefined : read;
  }

  /** The silence a click already created (a retried click job must not create a second one). */
  async silenceMadeBy(clickId: string): Promise<string | undefined> {
    return (await this.redis.get(this.clickKey(clickId, 'silence'))) ?? undefined;
  }

  async recordSilenceMade(clickId: string, silenceId: string): Promise<void> {
    await this.redis.set(this.clickKey(clickId, 'silence'), silenceId, 'EX', 86_400);
  }

  private clickKey(clickId: string, what: string): string {
    return `${this.prefix}:slack:click:${clickId}:${what}`;
  }
}

export interface ButtonSpec {
  text: string;
  id: string;
  style?: 'primary' | 'danger';
}

/** The message with an `actions` block of these buttons appended (text kept as a section). */
export function withButtons(message: ChatMessage, buttons: readonly ButtonSpec[]): ChatMessage {
  if (buttons.length === 0) return message;
  const blocks = message.blocks ? [...message.blocks] : [{ type: 'section', text: { type: 'mrkdwn', text: message.text.slice(0, 2900) } }];
  blocks.push({
    type: 'actions',
    elements: buttons.map((b, i) => ({
      type: 'button',
      text: { type: 'plain_text', text: b.text.slice(0, 75) },
      // Unique within the block; alertworks never reads it back (the value is the record id).
      action_id: `aw_${i}`,
      value: b.id,
      ...(b.style ? { style: b.style } : {}),
    })),
  });
  return { ...message, blocks };
}
