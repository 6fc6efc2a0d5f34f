import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { LogGate, errorKey } from './log-gate.js';

function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info') } as unknown as Logger };
}

describe('LogGate', () => {
  it('writes one line per key and window, and says how many it held back', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const gate = new LogGate(logger, 10_000, () => now);
    for (let i = 0; i < 5_000; i++) gate.log('warn', errorKey('checks worker', new Error('OOM command not allowed')), { i }, 'checks worker error');
    gate.log('warn', errorKey('checks worker', new Error('another failure')), {}, 'checks worker error');
    expect(lines.map((l) => l.fields)).toEqual([{ i: 0 }, {}]);
    now = 10_000;
    gate.log('warn', errorKey('checks worker', new Error('OOM command not allowed')), { i: 5_000 }, 'checks worker error');
    expect(lines[2]?.fields).toEqual({ i: 5_000, suppressed: 4_999 });
  });

  it('remembers a bounded number of keys', () => {
    const { lines, logger } = recorder();
    const gate = new LogGate(logger, 10_000, () => 0, 100);
    for (let i = 0; i < 10_000; i++) gate.log('error', `k${i}`, {}, 'distinct');
    expect(lines).toHaveLength(10_000);
    expect((gate as unknown as { last: Map<string, unknown> }).last.size).toBeLessThanOrEqual(100);
  });
});
