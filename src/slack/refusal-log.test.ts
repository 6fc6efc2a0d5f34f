import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../observability/logger.js';
import { refusalLog } from './refusal-log.js';

describe('refusalLog', () => {
  afterEach(() => vi.useRealTimers());

  it('1,000 refusals in a window make one line per reason; the next window says how many were left out', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-12-03T10:00:00Z'));
    const lines: [Record<string, unknown>, string][] = [];
    const log = refusalLog({ warn: (fields: Record<string, unknown>, msg: string) => lines.push([fields, msg]) } as unknown as Logger, 'refused', 10_000);
    for (let i = 0; i < 1000; i++) log('invalid_signature');
    log('stale');
    expect(lines).toEqual([
      [{ reason: 'invalid_signature', suppressed: 0 }, 'refused'],
      [{ reason: 'stale', suppressed: 0 }, 'refused'],
    ]);
    vi.advanceTimersByTime(10_000);
    log('invalid_signature');
    expect(lines.at(-1)).toEqual([{ reason: 'invalid_signature', suppressed: 999 }, 'refused']);
  });
});
