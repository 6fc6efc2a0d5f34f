import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';

/** The enums of @opentelemetry/sdk-metrics by value, so this file needs only its types. */
const DATA_POINT = { HISTOGRAM: 0, GAUGE: 2, SUM: 3 } as const;
const CUMULATIVE = 1;

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function attributesOf(labels: Record<string, string | number | undefined>, drop?: string): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(labels)) if (k !== drop && v !== undefined) out[k] = v;
  return out;
}

/** prom-client's cumulative `le` buckets as one OTLP histogram point per label set. */
function histogramPoints(values: MetricValueWithName<string>[], start: HrTime, end: HrTime) {
  const series = new Map<string, { attributes: Attributes; les: [number, number][]; sum: number; count: number }>();
  for (const v of values) {
    const attributes = attributesOf(v.labels, 'le');
    const key = JSON.stringify(Object.entries(attributes).sort());
    let s = series.get(key);
    if (!s) series.set(key, (s = { attributes, les: [], sum: 0, count: 0 }));
    if (v.metricName?.endsWith('_bucket')) s.les.push([v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), v.value]);
    else if (v.metricName?.endsWith('_sum')) s.sum = v.value;
    else if (v.metricName?.endsWith('_count')) s.count = v.value;
  }
  return [...series.values()].map((s) => {
    const sorted = s.les.sort((a, b) => a[0] - b[0]);
    const boundaries = sorted.filter(([le]) => Number.isFinite(le)).map(([le]) => le);
    const counts = sorted.map(([, cumulative], i) => cumulative - (i > 0 ? (sorted[i - 1]?.[1] ?? 0) : 0));
    return { startTime: start, endTime: end, attributes: s.attributes, value: { buckets: { boundaries, counts }, sum: s.sum, count: s.count } };
  });
}

/** One prom-client metric as OTLP metric data (summaries have no OTLP equivalent here and are left out). */
function toMetricData(metric: MetricObjectWithValues<MetricValue<string>>, startMs: number, nowMs: number): MetricData | undefined {
  const start = hrTime(startMs);
  const end = hrTime(nowMs);
  const descriptor = { name: metric.name, description: metric.help, unit: '', valueType: ValueType.DOUBLE };
  const points = () => metric.values.map((v) => ({ startTime: start, endTime: end, attributes: attributesOf(v.labels), value: v.value }));
  switch (String(metric.type)) {
    case 'counter':
      return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: DATA_POINT.SUM, dataPoints: points(), isMonotonic: true } as MetricData;
    case 'gauge':
      return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: DATA_POINT.GAUGE, dataPoints: points() } as MetricData;
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: CUMULATIVE,
        dataPointType: DATA_POINT.HISTOGRAM,
        dataPoints: histogramPoints(metric.values as MetricValueWithName<string>[], start, end),
      } as MetricData;
    default:
      return undefined;
  }
}

/**
 * Feeds the OpenTelemetry metric reader from the prom-client registry that /metrics serves, so
 * OTLP gets the very same series (probe gauges included) with no second set of instruments.
 * Counters become cumulative monotonic sums, gauges gauges, histograms explicit-bucket histograms.
 */
export class PromClientProducer implements MetricProducer {
  constructor(
    private readonly registry: Registry,
    private readonly startMs = Date.now() - process.uptime() * 1000,
  ) {}

  async collect(): Promise<CollectionResult> {
    const now = Date.now();
    const metrics = (await this.registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
    return {
      // The reader keeps the SDK's resource; only the scope metrics of a producer are used.
      resourceMetrics: {
        resource: undefined as never,
        scopeMetrics: [
          {
            scope: { name: 'alertworks' },
            metrics: metrics.map((m) => toMetricData(m, this.startMs, now)).filter((m): m is MetricData => m !== undefined && m.dataPoints.length > 0),
          },
        ],
      },
      errors: [],
    };
  }
}
