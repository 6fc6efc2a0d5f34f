import type { Logger } from '../observability/logger.js';
import type { SpoolEntry, WebhookSpool } from './spool.js';

/**
 * Replays the spool while it holds anything: every `intervalMs`, and at once when kicked
 * (a new body was spooled, or Redis came back). The timer never keeps the process alive.
 */
export class SpoolReplayer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly spool: WebhookSpool,
    private readonly deliver: (entry: SpoolEntry) => Promise<void>,
    private readonly redisReady: () => boolean,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): this {
    this.schedule();
    return this;
  }

  /** Replays now if Redis looks reachable; the result is the number of bodies delivered. */
  async kick(): Promise<number> {
    if (this.stopped || this.spool.closed || this.spool.pending === 0 || !this.redisReady()) return 0;
    try {
      const delivered = await this.spool.replay(this.deliver, this.redisReady);
      if (delivered > 0) this.logger.info({ delivered, waiting: this.spool.pending }, 'spooled webhooks stored in Redis');
      return delivered;
    } catch (err) {
      this.logger.error({ err, dir: this.spool.dir }, 'spool replay failed; trying again');
      return 0;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped || this.spool.closed) return;
    this.timer = setTimeout(() => void this.kick().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }
}
