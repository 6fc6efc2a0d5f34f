/**
 * The metric names the operator kit (Grafana dashboard, alert rules) relies on, with who
 * produces them. A dashboard panel or rule naming anything else is a typo or a contract
 * change; src/observability/operator-kit.test.ts checks both against this list.
 */
export type MetricSource =
  /** Registered in src/observability/metrics.ts (always present). */
  | 'core'
  /** Declared beside a feature's code (volume resize, checks, TLS, Pushgateway). */
  | 'feature'
  /** A recording rule in config/prometheus/alertworks-rules.yml. */
  | 'rule'
  /** Another exporter: node_exporter, Traefik, Prometheus itself. */
  | 'external';

export interface ContractMetric {
  name: string;
  source: MetricSource;
  /** Histograms also answer to name_bucket, name_sum and name_count. */
  histogram?: boolean;
}

export const metricContract: readonly ContractMetric[] = [
  { name: 'alertworks_http_requests_total', source: 'core' },
  { name: 'alertworks_http_request_duration_seconds', source: 'core', histogram: true },
  { name: 'alertworks_alerts_received_total', source: 'core' },
  { name: 'alertworks_webhook_rejected_total', source: 'core' },
  { name: 'alertworks_jobs_total', source: 'core' },
  { name: 'alertworks_job_duration_seconds', source: 'core', histogram: true },
  { name: 'alertworks_notifications_total', source: 'core' },
  { name: 'alertworks_queue_jobs', source: 'core' },
  // receiver: refused webhooks (server/webhook-rejections.ts), the spool (queue/spool.ts)
  { name: 'alertworks_webhook_rejected_total', source: 'feature' },
  { name: 'alertworks_webhook_spool_files', source: 'feature' },
  // prom-client's default metrics under the alertworks_ prefix (metrics.ts).
  { name: 'alertworks_process_cpu_seconds_total', source: 'core' },
  { name: 'alertworks_process_resident_memory_bytes', source: 'core' },
  { name: 'alertworks_nodejs_heap_size_used_bytes', source: 'core' },
  // volume resize
  { name: 'alertworks_volume_size_gb', source: 'feature' },
  { name: 'alertworks_volume_resize_total', source: 'feature' },
  // checks (blackbox exporter names with a `check` label)
  { name: 'alertworks_check_up', source: 'feature' },
  { name: 'probe_success', source: 'feature' },
  { name: 'probe_duration_seconds', source: 'feature' },
  { name: 'probe_http_duration_seconds', source: 'feature' },
  { name: 'probe_http_status_code', source: 'feature' },
  { name: 'alertworks_check_last_run_timestamp_seconds', source: 'feature' },
  { name: 'alertworks_check_interval_seconds', source: 'feature' },
  { name: 'alertworks_check_config_mismatch', source: 'feature' },
  // TLS
  { name: 'alertworks_tls_cert_days_left', source: 'feature' },
  { name: 'probe_ssl_earliest_cert_expiry', source: 'feature' },
  // worker liveness (src/runner/worker-liveness.ts)
  { name: 'alertworks_worker_live', source: 'feature' },
  // Slack interactivity
  { name: 'alertworks_slack_interactions_total', source: 'feature' },
  // Pushgateway reporting
  { name: 'alertworks_pushgateway_push_failures_total', source: 'feature' },
  { name: 'alertworks:volume_used_ratio', source: 'rule' },
  { name: 'node_filesystem_avail_bytes', source: 'external' },
  { name: 'node_filesystem_size_bytes', source: 'external' },
  { name: 'traefik_tls_certs_not_after', source: 'external' },
  { name: 'up', source: 'external' },
];

/** Every series name the contract allows in a query (histogram suffixes included). */
export function contractSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const m of metricContract) {
    names.add(m.name);
    if (m.histogram) for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'changes',
  'resets',
  'time',
  'vector',
  'scalar',
  'histogram_quantile',
  'abs',
  'ceil',
  'floor',
  'round',
  'clamp_min',
  'clamp_max',
  'label_replace',
  'label_join',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'predict_linear',
  'timestamp',
  'sort',
  'sort_desc',
  'inf',
  'nan',
]);

/**
 * Series names a PromQL expression selects. Good enough for our own queries: label matchers,
 * strings, grouping lists, ranges and Grafana variables are removed before reading identifiers.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const next = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (PROMQL_WORDS.has(word) || next.startsWith('(')) continue;
    names.add(word);
  }
  return [...names];
}
