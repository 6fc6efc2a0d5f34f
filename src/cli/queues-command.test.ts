import { describe, expect, it } from 'vitest';
import { formatQueueCounts } from './queues-command.js';

describe('formatQueueCounts', () => {
  it('prints one aligned row per queue, sorted, and a total', () => {
    const out = formatQueueCounts({
      'volume-resize': { waiting: 2, active: 1, delayed: 0, failed: 3, completed: 120, prioritized: 0 },
      notify: { waiting: 10, active: 0, delayed: 4, failed: 0, completed: 5, prioritized: 0 },
    });
    expect(out).toBe(
      [
        'queue          waiting  active  delayed  failed  completed  prioritized',
        'notify              10       0        4       0          5            0',
        'volume-resize        2       1        0       3        120            0',
        'total               12       1        4       3        125            0',
        '',
      ].join('\n'),
    );
  });

  it('counts a missing state as 0', () => {
    expect(formatQueueCounts({ q: { waiting: 1 } })).toContain('q            1       0        0       0          0            0');
  });
});
