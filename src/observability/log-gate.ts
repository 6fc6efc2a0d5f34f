import type { Logger } from './logger.js';

type Level = 'error' | 'warn' | 'info';

/**
 * At most one log line per key and window: a Redis that refuses writes makes a worker fail the
 * same way thousands of times a second, and one line per failure buried everything else (and
 * cost CPU). The first line of a window is written; the next one that passes says how many
 * were held back in between (`suppressed`).
 */
export class LogGate {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    /** @defaultValue 10s */
    private readonly windowMs = 10_000,
    private readonly clock: () => number = Date.now,
    /** Distinct keys remembered; a flood of new keys cannot grow the map without bound. @defaultValue 1000 */
    private readonly maxKeys = 1_000,
  ) {}

  log(level: Level, key: string, fields: Record<string, unknown>, msg: string): boolean {
    const now = this.clock();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.windowMs) {
      seen.suppressed++;
      return false;
    }
    if (!seen && this.last.size >= this.maxKeys) this.prune(now);
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    return true;
  }

  private prune(now: number): void {
    for (const [key, seen] of this.last) if (now - seen.at >= this.windowMs) this.last.delete(key);
    // Still full: forget the oldest (Map keeps insertion order).
    while (this.last.size >= this.maxKeys) {
      const oldest = this.last.keys().next().value;
      if (oldest === undefined) break;
      this.last.delete(oldest);
    }
  }
}

/** The key of an error for LogGate: its class and message, clipped (messages may embed ids). */
export function errorKey(scope: string, err: unknown): string {
  const message = err instanceof Error ? `${err.name}:${err.message}` : String(err);
  return `${scope}|${message.slice(0, 120)}`;
}
