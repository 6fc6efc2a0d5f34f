import { describe, expect, it } from 'vitest';
import { registry } from './metrics.js';

describe('process metrics', () => {
  it('carry the alertworks_ prefix once, not alertworks_process_process_*', async () => {
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('alertworks_process_cpu_seconds_total');
    expect(names).toContain('alertworks_process_resident_memory_bytes');
    expect(names).toContain('alertworks_nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => /^alertworks_process_(process|nodejs)_/.test(n))).toEqual([]);
  });
});
