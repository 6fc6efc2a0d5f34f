import { describe, expect, it } from 'vitest';
import { parseTransition } from './check-history.js';
import { uptimeOver, type StateTransition } from './uptime.js';

const H = 3_600_000;
const t = (at: number, to: 'up' | 'down', from: 'up' | 'down' | 'unknown' = to === 'up' ? 'down' : 'up'): StateTransition => ({
  at,
  to,
  from,
  previousStateMs: 0,
});

describe('uptimeOver', () => {
  const scenarios: {
    name: string;
    newestFirst: StateTransition[];
    from: number;
    to: number;
    truncated?: boolean;
    up: number;
    down: number;
    complete: boolean;
  }[] = [
    { name: 'no transitions: nothing known', newestFirst: [], from: 0, to: 10 * H, up: 0, down: 0, complete: true },
    { name: 'up all along since before the window', newestFirst: [t(-H, 'up', 'unknown')], from: 0, to: 10 * H, up: 10 * 3600, down: 0, complete: true },
    {
      name: 'known from the middle: the unknown start is left out',
      newestFirst: [t(4 * H, 'up', 'unknown')],
      from: 0,
      to: 10 * H,
      up: 6 * 3600,
      down: 0,
      complete: true,
    },
    {
      name: 'one outage inside',
      newestFirst: [t(7 * H, 'up'), t(5 * H, 'down'), t(-H, 'up', 'unknown')],
      from: 0,
      to: 10 * H,
      up: 8 * 3600,
      down: 2 * 3600,
      complete: true,
    },
    {
      name: 'an outage running into the window',
      newestFirst: [t(2 * H, 'up'), t(-3 * H, 'down'), t(-5 * H, 'up', 'unknown')],
      from: 0,
      to: 10 * H,
      up: 8 * 3600,
      down: 2 * 3600,
      complete: true,
    },
    {
      name: 'still down at the end',
      newestFirst: [t(9 * H + 30_000, 'down'), t(0, 'up', 'unknown')],
      from: 0,
      to: 10 * H,
      up: 9 * 3600 + 30,
      down: 3600 - 30,
      complete: true,
    },
    {
      name: 'capped list not reaching the window start: partial',
      newestFirst: [t(6 * H, 'down'), t(3 * H, 'up')],
      from: 0,
      to: 10 * H,
      truncated: true,
      up: 3 * 3600,
      down: 4 * 3600,
      complete: false,
    },
    {
      name: 'capped list reaching past the window start: complete',
      newestFirst: [t(6 * H, 'down'), t(-H, 'up')],
      from: 0,
      to: 10 * H,
      truncated: true,
      up: 6 * 3600,
      down: 4 * 3600,
      complete: true,
    },
  ];
  it.each(scenarios)('$name', (s) => {
    const u = uptimeOver(s.newestFirst, { from: s.from, to: s.to, truncated: s.truncated ?? false });
    expect(u).toEqual({ upSeconds: s.up, downSeconds: s.down, ratio: s.up + s.down > 0 ? s.up / (s.up + s.down) : undefined, complete: s.complete });
  });
});

describe('parseTransition', () => {
  it.each([
    [
      '1700000000000|down|up|3600000|http_status: HTTP 503: a|b',
      { at: 1_700_000_000_000, to: 'down', from: 'up', previousStateMs: 3_600_000, reason: 'http_status: HTTP 503: a|b' },
    ],
    ['1700000000000|up|unknown|0|', { at: 1_700_000_000_000, to: 'up', from: 'unknown', previousStateMs: 0, reason: undefined }],
    ['1700000000000|sideways|up|0|', undefined],
    ['garbage', undefined],
  ])('%s', (entry, expected) => {
    expect(parseTransition(entry)).toEqual(expected);
  });
});
