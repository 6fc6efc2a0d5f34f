/** A chat message: fallback text (notifications, screen readers) plus optional Block Kit blocks. */
export interface ChatMessage {
  text: string;
  blocks?: Record<string, unknown>[];
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
}
