import type { Context } from 'hono';
import type { Logger } from '../observability/logger.js';
import { webhookRejected, type RejectionReason } from '../observability/metrics.js';

interface ReasonLog {
  loggedAt: number;
  /** Refusals since the last line. */
  pending: number;
  lastRemote: string;
  lastDetail: string;
  timer?: NodeJS.Timeout;
}

/**
 * Counts every refused webhook and logs it at warn, rate-limited: the first refusal of a
 * reason is logged at once, later ones inside `intervalMs` are summed into one line at the end
 * of the interval (with `count` and the last remote address). A flood costs at most two lines
 * per reason per interval.
 */
export class WebhookRejections {
  private readonly byReason = new Map<RejectionReason, ReasonLog>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Counts and logs; `detail` must hold no secret and is clipped (it may quote sender input). */
  record(reason: RejectionReason, remote: string, detail: string, now = Date.now()): void {
    webhookRejected.inc({ reason });
    const clipped = detail.length > 300 ? `${detail.slice(0, 299)}…` : detail;
    const state = this.byReason.get(reason);
    if (!state || now - state.loggedAt >= this.intervalMs) {
      if (state?.timer) clearTimeout(state.timer);
      const count = (state?.pending ?? 0) + 1;
      this.byReason.set(reason, { loggedAt: now, pending: 0, lastRemote: remote, lastDetail: clipped });
      this.logger.warn({ reason, remote, detail: clipped, count }, 'webhook refused');
      return;
    }
    state.pending++;
    state.lastRemote = remote;
    state.lastDetail = clipped;
    state.timer ??= setTimeout(() => this.flush(reason), Math.max(0, state.loggedAt + this.intervalMs - now)).unref();
  }

  /** Writes the summary line of a reason's suppressed refusals, if any. */
  flush(reason: RejectionReason): void {
    const state = this.byReason.get(reason);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    if (state.pending === 0) return;
    this.logger.warn({ reason, remote: state.lastRemote, detail: state.lastDetail, count: state.pending }, 'webhook refused');
    state.pending = 0;
    state.loggedAt = Date.now();
  }

  flushAll(): void {
    for (const reason of this.byReason.keys()) this.flush(reason);
  }

  /** Answers the refusal: counted, logged, a JSON `{error}` with the status. */
  reject(c: Context, status: 400 | 401 | 403 | 405 | 413 | 415, reason: RejectionReason, error: string, detail = error): Response {
    this.record(reason, remoteAddress(c), detail);
    return c.json({ error }, status);
  }
}

/** The peer's address (the proxy's, behind one), plus X-Forwarded-For clipped, for the log line. */
function remoteAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const peer = incoming?.socket?.remoteAddress ?? 'unknown';
  const forwarded = c.req.header('x-forwarded-for');
  return forwarded ? `${peer} (for ${forwarded.slice(0, 64).replace(/[^\w.:, -]/g, '_')})` : peer;
}
