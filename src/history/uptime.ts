/** One change of a check's state, as the state machine decided it. */
export interface StateTransition {
  /** When the new state began (epoch ms). */
  at: number;
  to: 'up' | 'down';
  from: 'up' | 'down' | 'unknown';
  /** How long the previous state lasted (for an UP: the outage). */
  previousStateMs: number;
  /** Why a check went DOWN (failure reason: error), bounded. */
  reason?: string;
}

export interface UptimeFigure {
  /** Seconds of the window in which the check was UP / DOWN (unknown time counts as neither). */
  upSeconds: number;
  downSeconds: number;
  /** up / (up + down), or undefined when the window holds no known state. */
  ratio?: number;
  /** False when the oldest kept transition is newer than the window start and older ones were dropped. */
  complete: boolean;
}

/**
 * Time spent UP and DOWN inside [from, to) from the transitions (newest first), exact to the
 * millisecond: time before the first known transition is unknown and left out.
 * `truncated`: the list was capped, so the state before its oldest entry is not known.
 */
export function uptimeOver(newestFirst: readonly StateTransition[], window: { from: number; to: number; truncated: boolean }): UptimeFigure {
  let up = 0;
  let down = 0;
  let end = window.to;
  for (const t of newestFirst) {
    const start = Math.max(t.at, window.from);
    if (end > start) {
      if (t.to === 'up') up += end - start;
      else down += end - start;
    }
    end = Math.min(end, t.at);
    if (end <= window.from) break;
  }
  const oldest = newestFirst[newestFirst.length - 1];
  const complete = !window.truncated || (oldest !== undefined && oldest.at <= window.from);
  const known = up + down;
  return { upSeconds: up / 1000, downSeconds: down / 1000, ratio: known > 0 ? up / known : undefined, complete };
}
