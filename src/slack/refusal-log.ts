import type { Logger } from '../observability/logger.js';

/** One line per reason per window, with how many were left out, so a flood cannot flood the log. */
const WINDOW_MS = 10_000;

export type RefusalLog = (reason: string, fields?: Record<string, unknown>) => void;

export function refusalLog(log: Logger, msg: string, windowMs = WINDOW_MS): RefusalLog {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (reason, fields = {}) => {
    const now = Date.now();
    const seen = last.get(reason);
    if (seen && now - seen.at < windowMs) {
      seen.suppressed++;
      return;
    }
    log.warn({ ...fields, reason, suppressed: seen?.suppressed ?? 0 }, msg);
    last.set(reason, { at: now, suppressed: 0 });
  };
}
