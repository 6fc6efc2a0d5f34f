import { describe, expect, it } from 'vitest';
import { resyncIntervalMs } from './check-runner-settings.js';

describe('resyncIntervalMs', () => {
  it.each([
    ['configured wins', 5_000, [60_000], 5_000],
    ['30s for minute checks', undefined, [60_000, 300_000], 30_000],
    ['half the shortest interval below a minute', undefined, [20_000, 60_000], 10_000],
    ['never under 1s by default', undefined, [500], 1_000],
    ['30s without checks', undefined, [], 30_000],
  ])('%s', (_what, configured, intervals, expected) => {
    expect(
      resyncIntervalMs(
        { resyncInterval: configured },
        intervals.map((intervalMs) => ({ intervalMs })),
      ),
    ).toBe(expected);
  });
});
