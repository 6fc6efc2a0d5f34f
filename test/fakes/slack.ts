import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockActionsPayload, buttonsIn, sendSigned, signedInteraction, type Button, type SlackUser } from './slack-interactions.js';
import { SocketModeStandIn } from './slack-socket.js';

/**
 * A local stand-in for the Slack Web API (https://api.slack.com/web), for tests and the demo.
 * It follows the real API's shapes: form-encoded or JSON requests, `Authorization: Bearer`,
 * HTTP 200 with `{ok:false, error}` for platform errors (invalid_auth, channel_not_found,
 * message_not_found), HTTP 429 with `Retry-After` when rate limited.
 */
export interface SlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Versions of the message after chat.update, oldest first. */
  updates: { text: string; blocks?: unknown[] }[];
  /** Message metadata (`{event_type, event_payload}`), returned by history calls with include_all_metadata. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

type Fault = { kind: 'ratelimit'; retryAfterSeconds: number } | { kind: 'platform'; error: string } | { kind: 'http'; status: number };

export class FakeSlack {
  readonly messages: SlackMessage[] = [];
  readonly calls: { method: string; at: number; ok: boolean }[] = [];
  private readonly faults: Fault[] = [];
  private server?: Server;
  private seq = 0;
  port = 0;
  /** Every answer waits this long (a slow Slack), for shutdown and crash tests. */
  responseDelayMs = 0;
  /**
   * Answer every call this much later, after its effect is recorded (a message is posted
   * before the answer comes back): a window in which a worker can die between the post and
   * recording it (responseDelayMs delays before the effect).
   */
  answerDelayMs = 0;
  /** chat.postEphemeral calls: visible only to `user`. */
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  /** User groups (usergroups.users.list) and their member user ids. */
  readonly usergroups: Record<string, string[]> = {};
  /** The app's request signing secret (SLACK_SIGNING_SECRET) and app-level token (SLACK_APP_TOKEN). */
  readonly signingSecret = 'slack-signing-secret-0123456789abcdef';
  readonly appToken = 'xapp-1-A0ALERTWRK-0000-test';
  /** Socket Mode stand-in, started on the first apps.connections.open. */
  readonly socket = new SocketModeStandIn();

  constructor(
    readonly token = 'xoxb-test-token-0000',
    /** Channel names the workspace has, and their ids. */
    readonly channels: Record<string, string> = { '#ops': 'C0OPS00001', ops: 'C0OPS00001' },
  ) {}

  /** Every button in posted messages (oldest first); `text` filters by the button's label. */
  buttons(text?: string): Button[] {
    return buttonsIn(this.messages).filter((b) => text === undefined || b.text === text);
  }

  /** Clicks `button` as `user` the way Slack does: a signed form POST to `url` (the interactivity request URL). */
  async click(
    url: string,
    button: Pick<Button, 'text' | 'value' | 'action_id' | 'message'>,
    user: SlackUser,
    options: { timestampSeconds?: number; secret?: string } = {},
  ): Promise<Response> {
    return sendSigned(url, signedInteraction(blockActionsPayload(button, user), options.secret ?? this.signingSecret, options.timestampSeconds));
  }

  /** Clicks over Socket Mode: an `interactive` envelope to the connected client. */
  socketClick(button: Pick<Button, 'text' | 'value' | 'action_id' | 'message'>, user: SlackUser): string {
    return this.socket.deliver(blockActionsPayload(button, user));
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await this.socket.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** The next calls fail, in order, with these faults. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Thread roots (messages that are not replies), with their replies. */
  threads(): { root: SlackMessage; replies: SlackMessage[] }[] {
    return this.messages.filter((m) => !m.thread_ts).map((root) => ({ root, replies: this.messages.filter((m) => m.thread_ts === root.ts) }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const body = await readBody(req);
    if (this.responseDelayMs > 0) await new Promise((r) => setTimeout(r, this.responseDelayMs));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.calls.push({ method, at: Date.now(), ok: status === 200 && (payload as { ok?: boolean }).ok === true });
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (this.answerDelayMs > 0) setTimeout(answer, this.answerDelayMs);
      else answer();
    };
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : (body.token as string | undefined);
    if (!token) return send(200, { ok: false, error: 'not_authed' });
    if (method === 'apps.connections.open') {
      // Only an app-level token opens a Socket Mode connection; a bot token is the wrong type.
      if (token === this.token) return send(200, { ok: false, error: 'not_allowed_token_type' });
      if (token !== this.appToken) return send(200, { ok: false, error: 'invalid_auth' });
      if (!this.socket.port) await this.socket.start();
      return send(200, { ok: true, url: this.socket.url() });
    }
    if (token !== this.token) return send(200, { ok: false, error: 'invalid_auth' });

    const fault = this.faults.shift();
    if (fault?.kind === 'ratelimit') return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
    if (fault?.kind === 'platform') return send(200, { ok: false, error: fault.error });
    if (fault?.kind === 'http') return send(fault.status, { ok: false, error: 'internal_error' });

    const channelId = this.resolveChannel(String(body.channel ?? ''));
    switch (method) {
      case 'chat.postMessage': {
        if (!channelId) return send(200, { ok: false, error: 'channel_not_found' });
        if (!body.text && !body.blocks) return send(200, { ok: false, error: 'no_text' });
        const threadTs = body.thread_ts ? String(body.thread_ts) : undefined;
        if (threadTs && !this.messages.some((m) => m.ts === threadTs && m.channel === channelId)) {
          return send(200, { ok: false, error: 'thread_not_found' });
        }
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
        const metadata = parseJson(body.metadata) as SlackMessage['metadata'];
        const message: SlackMessage = {
          channel: channelId,
          ts,
          text: String(body.text ?? ''),
          blocks: parseBlocks(body.blocks),
          updates: [],
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(metadata ? { metadata } : {}),
        };
        this.messages.push(message);
        return send(200, {
          ok: true,
          channel: channelId,
          ts,
          message: { type: 'message', text: message.text, ts, ...(threadTs ? { thread_ts: threadTs } : {}) },
        });
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.ts === String(body.ts ?? '') && m.channel === channelId);
        if (!message) return send(200, { ok: false, error: 'message_not_found' });
        message.updates.push({ text: String(body.text ?? ''), blocks: parseBlocks(body.blocks) });
        message.text = String(body.text ?? message.text);
        return send(200, { ok: true, channel: channelId, ts: message.ts, text: message.text });
      }
      case 'conversations.history':
      case 'conversations.replies': {
        // Like Slack: these take a channel id, not a name; newest first; `oldest` inclusive.
        const id = String(body.channel ?? '');
        if (!Object.values(this.channels).includes(id)) return send(200, { ok: false, error: 'channel_not_found' });
        const oldest = Number(body.oldest ?? 0);
        const withMeta = String(body.include_all_metadata) === 'true';
        let list = this.messages.filter((m) => m.channel === id && Number(m.ts) >= oldest);
        if (method === 'conversations.history') list = list.filter((m) => !m.thread_ts);
        else {
          const root = String(body.ts ?? '');
          if (!this.messages.some((m) => m.ts === root)) return send(200, { ok: false, error: 'thread_not_found' });
          list = list.filter((m) => m.ts === root || m.thread_ts === root);
        }
        const messages = list
          .slice()
          .reverse()
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return send(200, { ok: true, messages: method === 'conversations.replies' ? messages.reverse() : messages, has_more: false });
      }
      case 'chat.postEphemeral': {
        if (!channelId) return send(200, { ok: false, error: 'channel_not_found' });
        if (!/^[UW][A-Z0-9]+$/.test(String(body.user ?? ''))) return send(200, { ok: false, error: 'user_not_in_channel' });
        this.ephemerals.push({ channel: channelId, user: String(body.user), text: String(body.text ?? '') });
        return send(200, { ok: true, message_ts: `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}` });
      }
      case 'usergroups.users.list': {
        const members = this.usergroups[String(body.usergroup ?? '')];
        if (!members) return send(200, { ok: false, error: 'no_such_subteam' });
        return send(200, { ok: true, users: members });
      }
      case 'auth.test':
        return send(200, { ok: true, user_id: 'U0ALERTWRK', team_id: 'T0TEAM', bot_id: 'B0BOT' });
      default:
        return send(200, { ok: false, error: 'unknown_method' });
    }
  }

  private resolveChannel(name: string): string | undefined {
    if (this.channels[name]) return this.channels[name];
    return Object.values(this.channels).includes(name) ? name : undefined;
  }
}

function parseJson(raw: unknown): unknown {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'object') return raw;
  try {
    return JSON.parse(String(raw));
  } catch {
    return undefined;
  }
}

function parseBlocks(raw: unknown): unknown[] | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return raw;
  try {
    return JSON.parse(String(raw)) as unknown[];
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}
