import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from './logger.js';
import { registry } from './metrics.js';
import { packageVersion } from './otel-sdk.js';
import { PromClientProducer } from './prom-producer.js';

export interface MetricsExport {
  readonly enabled: boolean;
  /** Exports once more and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

const NOOP: MetricsExport = { enabled: false, shutdown: async () => undefined };

/** OTEL_METRICS_EXPORTER lists `otlp` (standard variable; `none` or unset: no export), and the SDK is not disabled. */
function metricsExportWanted(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return (env.OTEL_METRICS_EXPORTER ?? '').split(',').some((e) => e.trim().toLowerCase() === 'otlp');
}

function positiveMs(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * With OTEL_METRICS_EXPORTER=otlp, the metrics /metrics serves (the service's own and the
 * probe gauges) are also exported over OTLP/HTTP (JSON) every OTEL_METRIC_EXPORT_INTERVAL ms
 * (default 60 s) to OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT/v1/metrics.
 * /metrics stays as it is: the export reads the same registry.
 */
export async function startMetricsExport(env: NodeJS.ProcessEnv = process.env, logger?: Logger): Promise<MetricsExport> {
  if (!metricsExportWanted(env)) return NOOP;
  const [{ MeterProvider, PeriodicExportingMetricReader }, { OTLPMetricExporter }, { detectResources, envDetector, resourceFromAttributes }] =
    await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/exporter-metrics-otlp-http'), import('@opentelemetry/resources')]);
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'alertworks',
    [ATTR_SERVICE_VERSION]: packageVersion(),
  }).merge(detectResources({ detectors: [envDetector] }));
  const interval = positiveMs(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter(),
    exportIntervalMillis: interval,
    exportTimeoutMillis: Math.min(positiveMs(env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000), interval),
    metricProducers: [new PromClientProducer(registry)],
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  logger?.info({ intervalMs: interval }, 'metrics: exporting over OTLP/HTTP as well as /metrics');
  let done: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      done ??= Promise.race([provider.shutdown().catch(() => undefined), new Promise<void>((r) => setTimeout(r, 3_000).unref())]);
      return done;
    },
  };
}
