import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../src/observability/metrics.js';

/** outcome: resized, dry_run, cooldown, limit_reached, refused, failed, budget_exhausted. */
export const volumeResizeTotal = new Counter({
  name: 'alertworks_volume_resize_total',
  help: 'Volume resize decisions, by volume and outcome (resized, dry_run, cooldown, limit_reached, refused, failed, budget_exhausted).',
  labelNames: ['volume', 'outcome'] as const,
  registers: [registry],
});

export const volumeSizeGb = new Gauge({
  name: 'alertworks_volume_size_gb',
  help: 'Last size seen of each allowlisted volume, in GB.',
  labelNames: ['volume'] as const,
  registers: [registry],
});

export const volumeResizeDuration = new Histogram({
  name: 'alertworks_volume_resize_duration_seconds',
  help: 'From issuing a resize to Hetzner reporting its action done.',
  buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  registers: [registry],
});
