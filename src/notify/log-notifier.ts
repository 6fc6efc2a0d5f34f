import type { Logger } from '../observability/logger.js';
import { notificationsTotal } from '../observability/metrics.js';
import { scrub } from '../observability/redact.js';
import type { ChatMessage, ChatNotifier, ChatRef } from './notifier.js';

/** Without a Slack token every notification is one structured log line: never lost silently. */
export class LogNotifier implements ChatNotifier {
  readonly kind = 'log';
  private seq = 0;

  constructor(
    private readonly logger: Logger,
    private readonly channel: string,
  ) {}

  async post(message: ChatMessage, threadTs?: string): Promise<ChatRef> {
    const ts = `${(Date.now() / 1000).toFixed(6)}${String(++this.seq % 1000).padStart(3, '0')}`;
    this.logger.info({ notification: { channel: this.channel, ts, thread_ts: threadTs, text: scrub(message.text) } }, 'notification');
    notificationsTotal.inc({ notifier: this.kind, outcome: 'logged' });
    return { channel: this.channel, ts };
  }

  async update(ref: ChatRef, message: ChatMessage): Promise<void> {
    this.logger.info({ notification: { channel: ref.channel, ts: ref.ts, update: true, text: scrub(message.text) } }, 'notification updated');
    notificationsTotal.inc({ notifier: this.kind, outcome: 'logged' });
  }
}
