import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PromClientProducer } from './prom-producer.js';

describe('PromClientProducer', () => {
  it('turns counters into monotonic sums, gauges into gauges and cumulative buckets into per-bucket counts', async () => {
    const registry = new Registry();
    new Counter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [registry] }).inc({ k: 'a' }, 3);
    new Gauge({ name: 'g', help: 'g', registers: [registry] }).set(-1.5);
    const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['route'], buckets: [0.1, 1], registers: [registry] });
    for (const v of [0.05, 0.5, 0.7, 5]) h.observe({ route: '/x' }, v);
    const { resourceMetrics } = await new PromClientProducer(registry, 1_000).collect();
    const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
    const byName = Object.fromEntries(metrics.map((m) => [m.descriptor.name, m]));
    expect(byName.c_total).toMatchObject({
      dataPointType: 3,
      isMonotonic: true,
      aggregationTemporality: 1,
      dataPoints: [{ attributes: { k: 'a' }, value: 3, startTime: [1, 0] }],
    });
    expect(byName.g).toMatchObject({ dataPointType: 2, dataPoints: [{ attributes: {}, value: -1.5 }] });
    expect(byName.h_seconds).toMatchObject({
      dataPointType: 0,
      dataPoints: [{ attributes: { route: '/x' }, value: { buckets: { boundaries: [0.1, 1], counts: [1, 2, 1] }, count: 4, sum: 6.25 } }],
    });
  });
});
