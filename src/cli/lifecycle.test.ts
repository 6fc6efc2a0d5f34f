import { afterEach, describe, expect, it, vi } from 'vitest';
import { signalQueue } from './lifecycle.js';

const NAMES = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const before = new Map(NAMES.map((n) => [n, process.listeners(n)]));

afterEach(() => {
  // Only the listeners a test's signalQueue added: vitest's own stay.
  for (const n of NAMES) for (const l of process.listeners(n)) if (!before.get(n)?.includes(l)) process.off(n, l);
  vi.restoreAllMocks();
});

/** The listeners see the signal as if the kernel had delivered it. */
const deliver = (signal: NodeJS.Signals) => process.emit(signal, signal);

function exits() {
  return vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
}

describe('signalQueue while stopping', () => {
  it('no signal is ever left without a listener while close() swaps them (default action: terminate)', async () => {
    const signals = signalQueue();
    deliver('SIGINT');
    await signals.next();
    // Listeners other than vitest's own, seen at each removal close() makes.
    const ours = (n: NodeJS.Signals) => process.listeners(n).filter((l) => !before.get(n as (typeof NAMES)[number])?.includes(l)).length;
    const leftAtRemoval: number[] = [];
    const off = process.off.bind(process);
    vi.spyOn(process, 'off').mockImplementation((event, listener) => {
      const result = off(event, listener);
      if (NAMES.includes(event as (typeof NAMES)[number])) leftAtRemoval.push(ours(event as NodeJS.Signals));
      return result;
    });
    signals.close();
    expect(leftAtRemoval).toHaveLength(3);
    expect(Math.min(...leftAtRemoval)).toBeGreaterThan(0);
  });

  it('Ctrl-C under npm start, terminal SIGINT first: start.sh SIGTERM lets jobs finish, a second SIGINT stops now', async () => {
    const exit = exits();
    const signals = signalQueue();
    deliver('SIGINT');
    expect(await signals.next()).toBe('SIGINT');
    signals.close();
    deliver('SIGTERM');
    expect(exit).not.toHaveBeenCalled();
    deliver('SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
  });

  it('start.sh SIGTERM handled before the terminal SIGINT: that SIGINT is the first Ctrl-C, not the second', async () => {
    const exit = exits();
    const signals = signalQueue();
    deliver('SIGTERM');
    expect(await signals.next()).toBe('SIGTERM');
    signals.close();
    deliver('SIGINT');
    deliver('SIGTERM');
    expect(exit).not.toHaveBeenCalled();
    deliver('SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
  });

  it('signals that arrive before anyone waits are kept in order', async () => {
    const signals = signalQueue();
    deliver('SIGHUP');
    deliver('SIGTERM');
    expect(await signals.next()).toBe('SIGHUP');
    expect(await signals.next()).toBe('SIGTERM');
    signals.close();
  });
});
