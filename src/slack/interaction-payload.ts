import { BUTTON_ID } from './button-store.js';

/** One button click, reduced to what alertworks uses; every field bounded and shaped. */
export interface Click {
  /** The record id the button carries (its `value`). */
  buttonId: string;
  user: { id: string; name: string };
  /** Channel id the click came from, for an ephemeral answer. */
  channel?: string;
  /** Where the clicked message is: only used to reply there once the incident's thread is closed. */
  message?: { ts: string; threadTs?: string };
}

export type ClickParse = { ok: true; click: Click } | { ok: false; reason: string; unknownButton?: boolean };

const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const CHANNEL_ID = /^[CDGZ][A-Z0-9]{2,20}$/;
const MESSAGE_TS = /^\d{9,11}\.\d{6}$/;

/** A display name: printable, no mrkdwn control characters, at most 80 characters. */
export function cleanName(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return raw.replace(/[^\p{L}\p{N} ._'-]/gu, '').slice(0, 80);
}

/**
 * Reads a `block_actions` payload (form field `payload` of an interaction request, or the
 * `payload` of a Socket Mode `interactive` envelope). Untrusted: only the button value (a
 * record id), the user and the channel are kept.
 */
export function parseClick(payload: unknown): ClickParse {
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'payload is not an object' };
  const p = payload as Record<string, unknown>;
  if (p.type !== 'block_actions') return { ok: false, reason: `unsupported interaction type ${JSON.stringify(String(p.type ?? '')).slice(0, 40)}` };
  const user = (p.user ?? {}) as Record<string, unknown>;
  if (typeof user.id !== 'string' || !USER_ID.test(user.id)) return { ok: false, reason: 'user.id missing or malformed' };
  const actions = Array.isArray(p.actions) ? p.actions : [];
  const action = actions[0] as Record<string, unknown> | undefined;
  if (!action) return { ok: false, reason: 'no actions' };
  const value = action.value;
  if (typeof value !== 'string' || !BUTTON_ID.test(value)) return { ok: false, reason: 'button value is not an id alertworks issued', unknownButton: true };
  const channelId = ((p.channel ?? {}) as Record<string, unknown>).id;
  const container = (p.container ?? {}) as Record<string, unknown>;
  const ts = typeof container.message_ts === 'string' && MESSAGE_TS.test(container.message_ts) ? container.message_ts : undefined;
  const threadTs = typeof container.thread_ts === 'string' && MESSAGE_TS.test(container.thread_ts) ? container.thread_ts : undefined;
  return {
    ok: true,
    click: {
      buttonId: value,
      user: { id: user.id, name: cleanName(user.username ?? user.name) || user.id },
      ...(typeof channelId === 'string' && CHANNEL_ID.test(channelId) ? { channel: channelId } : {}),
      ...(ts ? { message: { ts, ...(threadTs ? { threadTs } : {}) } } : {}),
    },
  };
}
