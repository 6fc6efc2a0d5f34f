import { createHmac, randomBytes } from 'node:crypto';
import type { SlackMessage } from './slack.js';

/**
 * How Slack delivers a button click (api.slack.com/interactivity/handling#payloads): a POST
 * of `application/x-www-form-urlencoded` with one field `payload` (the JSON below), signed
 * with the app's signing secret: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:<X-Slack-Request-Timestamp>:<raw body>">` (api.slack.com/authentication/verifying-requests-from-slack).
 */

export interface SlackUser {
  id: string;
  username: string;
}

export interface Button {
  text: string;
  value: string;
  action_id: string;
  block_id?: string;
  message: SlackMessage;
}

/** Every button in these messages, oldest message first. */
export function buttonsIn(messages: readonly SlackMessage[]): Button[] {
  const out: Button[] = [];
  for (const message of messages) {
    for (const block of (message.blocks ?? []) as {
      type?: string;
      block_id?: string;
      elements?: { type?: string; text?: { text?: string }; value?: string; action_id?: string }[];
    }[]) {
      if (block.type !== 'actions') continue;
      for (const el of block.elements ?? []) {
        if (el.type === 'button')
          out.push({ text: el.text?.text ?? '', value: el.value ?? '', action_id: el.action_id ?? '', block_id: block.block_id, message });
      }
    }
  }
  return out;
}

/** The `block_actions` payload Slack sends for a click on `button` by `user`. */
export function blockActionsPayload(
  button: Pick<Button, 'text' | 'value' | 'action_id' | 'message'>,
  user: SlackUser,
  team = 'T0TEAM',
): Record<string, unknown> {
  const m = button.message;
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.username, name: user.username, team_id: team },
    api_app_id: 'A0ALERTWRK',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) },
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    team: { id: team, domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: m.channel, name: 'ops' },
    message: { type: 'message', ts: m.ts, text: m.text, blocks: m.blocks ?? [] },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${team}/0000/${randomBytes(8).toString('hex')}`,
    actions: [
      {
        action_id: button.action_id,
        block_id: 'b0',
        text: { type: 'plain_text', text: button.text, emoji: true },
        value: button.value,
        type: 'button',
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** The HTTP request Slack would send; `timestampSeconds` and `secret` can be forged for tests. */
export function signedInteraction(payload: unknown, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(timestampSeconds);
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
  };
}

export async function sendSigned(url: string, request: SignedRequest): Promise<Response> {
  return fetch(url, { method: 'POST', headers: request.headers, body: request.body });
}
