import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as received, decoded from OTLP/HTTP JSON (ids as lowercase hex). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
}

/** One metric data point as received from OTLP/HTTP JSON /v1/metrics. */
export interface ReceivedMetricPoint {
  metric: string;
  /** sum, gauge or histogram. */
  kind: 'sum' | 'gauge' | 'histogram';
  /** For sums: monotonic and cumulative (aggregationTemporality 2). */
  monotonic?: boolean;
  temporality?: number;
  attributes: Record<string, unknown>;
  value?: number;
  histogram?: { count: number; sum?: number; bucketCounts: number[]; explicitBounds: number[] };
  resource: Record<string, unknown>;
}

export const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

/**
 * A local OTLP/HTTP receiver (POST /v1/traces and /v1/metrics, JSON encoding as sent by
 * @opentelemetry/exporter-trace-otlp-http and exporter-metrics-otlp-http): decodes every export
 * request into spans and metric data points.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metricPoints: ReceivedMetricPoint[] = [];
  /** Export requests to /v1/metrics. */
  metricRequests = 0;
  requests = 0;
  private server?: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const metrics = req.url?.startsWith('/v1/metrics') === true;
        if (req.method !== 'POST' || !(req.url?.startsWith('/v1/traces') || metrics)) {
          res.writeHead(404).end();
          return;
        }
        if (metrics) this.metricRequests++;
        else this.requests++;
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        if (!(req.headers['content-type'] ?? '').includes('json')) {
          res.writeHead(415).end('this receiver decodes OTLP/HTTP JSON only');
          return;
        }
        if (metrics) this.decodeMetrics(JSON.parse(raw.toString('utf8')) as MetricsExportRequest);
        else this.decode(JSON.parse(raw.toString('utf8')) as ExportRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  byName(name: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.name === name);
  }

  /** The newest point of `metric` whose attributes include `attrs`. */
  latestPoint(metric: string, attrs: Record<string, unknown> = {}): ReceivedMetricPoint | undefined {
    return this.metricPoints.findLast((p) => p.metric === metric && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
  }

  private decodeMetrics(body: MetricsExportRequest): void {
    for (const rm of body.resourceMetrics ?? []) {
      const resource = attributes(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const kind = m.sum ? 'sum' : m.gauge ? 'gauge' : m.histogram ? 'histogram' : undefined;
          if (!kind) continue;
          const data = (m.sum ?? m.gauge ?? m.histogram)!;
          for (const dp of data.dataPoints ?? []) {
            this.metricPoints.push({
              metric: m.name,
              kind,
              monotonic: m.sum?.isMonotonic,
              temporality: data.aggregationTemporality,
              attributes: attributes(dp.attributes),
              value: dp.asDouble !== undefined ? Number(dp.asDouble) : dp.asInt !== undefined ? Number(dp.asInt) : undefined,
              histogram:
                kind === 'histogram'
                  ? {
                      count: Number(dp.count ?? 0),
                      sum: dp.sum === undefined ? undefined : Number(dp.sum),
                      bucketCounts: (dp.bucketCounts ?? []).map(Number),
                      explicitBounds: (dp.explicitBounds ?? []).map(Number),
                    }
                  : undefined,
              resource,
            });
          }
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private decode(body: ExportRequest): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: id(s.traceId),
            spanId: id(s.spanId),
            parentSpanId: id(s.parentSpanId),
            name: s.name,
            kind: s.kind ?? 0,
            attributes: attributes(s.attributes),
            status: s.status ?? {},
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
            resource,
          });
        }
      }
    }
  }
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
        events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

interface MetricsExportRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: {
      metrics?: {
        name: string;
        sum?: MetricPoints & { isMonotonic?: boolean };
        gauge?: MetricPoints;
        histogram?: MetricPoints;
      }[];
    }[];
  }[];
}

interface MetricPoints {
  aggregationTemporality?: number;
  dataPoints?: {
    attributes?: KeyValue[];
    asDouble?: number | string;
    asInt?: number | string;
    count?: number | string;
    sum?: number | string;
    bucketCounts?: (number | string)[];
    explicitBounds?: (number | string)[];
  }[];
}

/** OTLP JSON ids are hex strings by spec; accept base64 (protobuf-JSON style) too. */
function id(value: string | undefined): string {
  if (!value) return '';
  if (/^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = anyValue(value);
  return out;
}

function anyValue(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  return undefined;
}
