import { describe, expect, it } from 'vitest';
import { checkWorkerStuck } from './scheduler.js';

describe('checkWorkerStuck', () => {
  const now = 1_000_000;
  const stuck = { now, timeoutMs: 60_000, freeSlots: 16, lastStartedAt: now - 61_000, nextDue: now - 61_000 };
  it('is stuck: free slots, no job taken for longer than the timeout, the next run overdue by more', () => {
    expect(checkWorkerStuck(stuck)).toBe(true);
  });
  it.each([
    ['every slot busy (a long backlog, not a frozen loop)', { freeSlots: 0 }],
    ['a job taken within the timeout', { lastStartedAt: now - 59_000 }],
    ['the next run not yet overdue by the timeout', { nextDue: now - 59_000 }],
    ['the next run still in the future', { nextDue: now + 1_000 }],
  ])('is not stuck with %s', (_what, change) => {
    expect(checkWorkerStuck({ ...stuck, ...change })).toBe(false);
  });
});
