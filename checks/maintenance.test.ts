import { describe, expect, it } from 'vitest';
import { activeWindow, maintenanceWindowSchema } from './maintenance.js';

const at = (iso: string) => Date.parse(iso);
const w = (raw: Record<string, unknown>) => maintenanceWindowSchema.parse(raw);

describe('maintenance windows', () => {
  it.each([
    ['absolute, inside', { start: '2026-11-22T02:00:00Z', end: '2026-11-22T03:00:00Z' }, '2026-11-22T02:30:00Z', '2026-11-22T02:00:00Z'],
    ['absolute, at the end (exclusive)', { start: '2026-11-22T02:00:00Z', end: '2026-11-22T03:00:00Z' }, '2026-11-22T03:00:00Z', undefined],
    ['daily, inside', { at: '02:00', duration: '1h' }, '2026-11-22T02:59:59Z', '2026-11-22T02:00:00Z'],
    ['daily, before', { at: '02:00', duration: '1h' }, '2026-11-22T01:59:00Z', undefined],
    ['daily across midnight', { at: '23:30', duration: '1h' }, '2026-11-23T00:15:00Z', '2026-11-22T23:30:00Z'],
    ['weekly on its day (2026-11-22 is a Sunday)', { at: '02:00', duration: '2h', weekdays: ['sun'] }, '2026-11-22T03:00:00Z', '2026-11-22T02:00:00Z'],
    ['weekly on another day', { at: '02:00', duration: '2h', weekdays: ['mon'] }, '2026-11-22T03:00:00Z', undefined],
  ])('%s', (_name, raw, now, start) => {
    const hit = activeWindow([w(raw)], at(now));
    expect(hit ? new Date(hit.startMs).toISOString().replace('.000', '') : undefined).toBe(start);
  });
});
