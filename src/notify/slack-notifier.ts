import { ErrorCode, LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import { PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { classifyNetworkError, classifyStatus, type ErrorReason } from '../failure.js';
import { notificationsTotal } from '../observability/metrics.js';
import { scrub, scrubDeep } from '../observability/redact.js';
import { withClientSpan } from '../observability/tracing.js';
import { tracedFetch } from '../observability/traced-fetch.js';
import type { ChatMessage, ChatNotifier, ChatRef, MessageMarker } from './notifier.js';

const MARKER_EVENT = 'alertworks_step';

/** Slack platform errors a retry can fix; every other `error` is permanent (bad token, channel...). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);
/** Slack's `error` strings sorted into the shared taxonomy; the rest are `bad_request`. */
const PLATFORM_REASONS: Readonly<Record<string, ErrorReason>> = {
  internal_error: 'server_error',
  fatal_error: 'server_error',
  service_unavailable: 'server_error',
  team_added_to_org: 'server_error',
  request_timeout: 'timeout',
  ratelimited: 'rate_limited',
  not_authed: 'unauthorized',
  invalid_auth: 'unauthorized',
  token_revoked: 'unauthorized',
  token_expired: 'unauthorized',
  account_inactive: 'unauthorized',
  missing_scope: 'forbidden',
  not_in_channel: 'forbidden',
  is_archived: 'forbidden',
  channel_not_found: 'not_found',
  message_not_found: 'not_found',
  thread_not_found: 'not_found',
};

export interface SlackNotifierOptions {
  token: string;
  channel: string;
  /** Base URL of the Web API. @defaultValue https://slack.com/api/ */
  apiUrl?: string;
  /** Per-call timeout. @defaultValue 10000 */
  timeoutMs?: number;
}

/**
 * Posts through the Slack Web API. The client's own retries and rate-limit waits are off:
 * a 429 becomes RetryLaterError so the job is delayed for Retry-After instead of a worker
 * sleeping, and every other failure is classified once, here.
 */
export class SlackNotifier implements ChatNotifier {
  readonly kind = 'slack';
  private readonly client: WebClient;
  private readonly channel: string;
  /** The channel id Slack answered with (conversations.* take ids, not names). */
  private resolvedChannel?: string;

  constructor(options: SlackNotifierOptions) {
    this.channel = options.channel;
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl ?? 'https://slack.com/api/',
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? 10_000,
      logLevel: LogLevel.ERROR,
      // Fills the slack.<method> client span with the HTTP attributes and sends traceparent.
      fetch: tracedFetch,
    });
  }

  async post(message: ChatMessage, threadTs?: string): Promise<ChatRef> {
    const clean = scrubMessage(message);
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: this.channel,
        text: clean.text,
        blocks: clean.blocks as never,
        unfurl_links: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(message.marker ? { metadata: { event_type: MARKER_EVENT, event_payload: { ...message.marker } } } : {}),
      }),
    );
    if (res.channel) this.resolvedChannel = res.channel;
    return { channel: res.channel ?? this.channel, ts: res.ts ?? '' };
  }

  /** Looks back through the thread (or the channel) for a message carrying the marker. Needs the `channels:history` scope. */
  async findMarked(marker: MessageMarker, options: { channel?: string; threadTs?: string; sinceMs: number }): Promise<ChatRef | undefined> {
    const oldest = (options.sinceMs / 1000).toFixed(6);
    const channel = options.channel ?? this.resolvedChannel ?? this.channel;
    const res = options.threadTs
      ? await this.call('conversations.replies', () =>
          this.client.conversations.replies({ channel, ts: options.threadTs!, oldest, include_all_metadata: true, limit: 200 }),
        )
      : await this.call('conversations.history', () => this.client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200 }));
    const match = (res.messages ?? []).find((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
      return meta?.event_type === MARKER_EVENT && meta.event_payload?.incident === marker.incident && meta.event_payload?.step === marker.step;
    });
    return match?.ts ? { channel, ts: match.ts } : undefined;
  }

  async update(ref: ChatRef, message: ChatMessage): Promise<void> {
    const clean = scrubMessage(message);
    await this.call('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: clean.text, blocks: clean.blocks as never }));
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    return withClientSpan(`slack.${method}`, { 'rpc.system': 'slack', 'rpc.method': method }, async () => {
      try {
        const result = await fn();
        notificationsTotal.inc({ notifier: this.kind, outcome: 'sent' });
        return result;
      } catch (err) {
        const classified = classifySlackError(err as WebAPICallError, method);
        notificationsTotal.inc({ notifier: this.kind, outcome: classified instanceof RetryLaterError ? 'rate_limited' : 'failed' });
        throw classified;
      }
    });
  }
}

export function classifySlackError(err: WebAPICallError, method: string): Error {
  switch (err.code) {
    case ErrorCode.RateLimitedError:
      return new RetryLaterError(`Slack ${method} rate limited; retry after ${err.retryAfter}s`, 'slack_rate_limited', err.retryAfter * 1000, {
        cause: err,
        reason: 'rate_limited',
      });
    case ErrorCode.PlatformError: {
      const code = String(err.data?.error ?? 'unknown');
      const msg = `Slack ${method} failed: ${code}`;
      const options = { reason: PLATFORM_REASONS[code] ?? 'bad_request' };
      return TRANSIENT_PLATFORM_ERRORS.has(code) ? new TransientError(msg, `slack_${code}`, options) : new PermanentError(msg, `slack_${code}`, options);
    }
    case ErrorCode.HTTPError: {
      const { reason, retryable } = classifyStatus(err.statusCode);
      const msg = `Slack ${method} HTTP ${err.statusCode}`;
      return retryable ? new TransientError(msg, 'slack_http_5xx', { reason }) : new PermanentError(msg, 'slack_http_4xx', { reason });
    }
    case ErrorCode.RequestError:
      return new TransientError(`Slack ${method} request failed: ${scrub(err.message)}`, 'slack_unreachable', {
        reason: classifyNetworkError(err.original ?? err).reason,
      });
    default:
      return new TransientError(`Slack ${method} failed: ${scrub((err as Error).message ?? String(err))}`, 'slack_other');
  }
}

function scrubMessage(message: ChatMessage): ChatMessage {
  return { text: scrub(message.text), ...(message.blocks ? { blocks: scrubDeep(message.blocks) as Record<string, unknown>[] } : {}) };
}
