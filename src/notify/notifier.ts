/** A chat message: fallback text (notifications, screen readers) plus optional Block Kit blocks. */
export interface ChatMessage {
  text: string;
  blocks?: Record<string, unknown>[];
  /**
   * Invisible tag (Slack message metadata) naming the incident step the message is for, so a
   * retried job can find a message it posted before it crashed instead of posting it again.
   */
  marker?: MessageMarker;
}

export interface MessageMarker {
  incident: string;
  step: string;
}

/** Where a posted message lives; a thread is addressed by its root message. */
export interface ChatRef {
  channel: string;
  ts: string;
}

/**
 * Where reports go (Slack, or the log when no token is set). Implementations scrub secrets
 * and turn their API's failures into RetryLaterError / TransientError / PermanentError.
 */
export interface ChatNotifier {
  readonly kind: string;
  post(message: ChatMessage, threadTs?: string): Promise<ChatRef>;
  update(ref: ChatRef, message: ChatMessage): Promise<void>;
  /**
   * Finds a message carrying `marker`, posted since `sinceMs`: in the thread of `threadTs`, or
   * among the channel's top-level messages. Absent where the notifier cannot look back.
   */
  findMarked?(marker: MessageMarker, options: { channel?: string; threadTs?: string; sinceMs: number }): Promise<ChatRef | undefined>;
}
