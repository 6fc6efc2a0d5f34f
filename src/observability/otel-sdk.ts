import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readFileSync } from 'node:fs';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Logger } from './logger.js';

/**
 * The OpenTelemetry SDK for the service roles. Everything else in the code only uses the
 * API (observability/tracing.ts), which is a no-op until this registers a provider.
 *
 * On when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set and
 * OTEL_SDK_DISABLED is not "true". Spans go over OTLP/HTTP with JSON bodies (the exporter
 * reads the standard OTEL_EXPORTER_OTLP_* variables: endpoint, headers, timeout, compression) through a BatchSpanProcessor (OTEL_BSP_* tune it). W3C trace context and baggage
 * are propagated. service.name comes from OTEL_SERVICE_NAME (default "alertworks"), more
 * resource attributes from OTEL_RESOURCE_ATTRIBUTES.
 */
export interface TracingSdk {
  readonly enabled: boolean;
  /** Flushes pending spans and stops exporting; safe to call twice. */
  shutdown(): Promise<void>;
}

const NOOP: TracingSdk = { enabled: false, shutdown: async () => undefined };

function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export async function startTracing(env: NodeJS.ProcessEnv = process.env, logger?: Logger): Promise<TracingSdk> {
  if (!tracingWanted(env)) return NOOP;
  // Loaded only when tracing is on: the SDK and exporter cost a worker ~10 MB of memory otherwise.
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator },
    { detectResources, envDetector, resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  if (logger) routeDiagnostics(logger);
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol && protocol !== 'http/json') {
    logger?.warn({ protocol }, 'tracing: only OTLP/HTTP with JSON is built in; exporting http/json (collectors accept it on the same port 4318)');
  }
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'alertworks',
    [ATTR_SERVICE_VERSION]: packageVersion(),
  }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register({ propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }) });
  let done: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      // Bounded: an unreachable collector must not hold up a graceful stop.
      done ??= Promise.race([provider.shutdown().catch(() => undefined), new Promise<void>((r) => setTimeout(r, 3_000).unref())]);
      return done;
    },
  };
}

/**
 * The SDK's own warnings (an unreachable collector, a rejected export) into our log, at most one
 * a minute: a collector that is down must not flood the log.
 */
function routeDiagnostics(logger: Logger): void {
  let lastAt = 0;
  const warn = (message: string, ...args: unknown[]) => {
    if (Date.now() - lastAt < 60_000) return;
    lastAt = Date.now();
    logger.warn(
      { otel: [message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))].join(' ').slice(0, 500) },
      'tracing: OpenTelemetry SDK problem (spans may be lost)',
    );
  };
  diag.setLogger(
    { error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/** From src/observability (tsx) or dist/src/observability (built). */
export function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const version = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (version.name === 'alertworks' && version.version) return version.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}
