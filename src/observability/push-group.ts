import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Phase, ProbeResult } from '../../jobs/check-type.js';
import { labelValue } from './metrics.js';

/**
 * The metrics of one Pushgateway group (one queue): each group has its own Registry, so a
 * push carries exactly that queue's series. Filled by PushReporter (observability/pushgateway.ts).
 */
export class PushGroup {
  readonly registry = new Registry();
  readonly job: string;
  readonly duration = new Histogram({
    name: 'alertworks_job_duration_seconds',
    help: 'Job processing time in this queue, as seen by this worker instance.',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'alertworks_job_last_success_timestamp_seconds',
    help: 'Unix time the last job of this queue succeeded on this instance.',
    registers: [this.registry],
  });
  readonly lastFailure = new Gauge({
    name: 'alertworks_job_last_failure_timestamp_seconds',
    help: 'Unix time the last job attempt of this queue failed on this instance.',
    registers: [this.registry],
  });
  readonly processed = new Counter({
    name: 'alertworks_jobs_processed_total',
    help: 'Jobs processed in this queue on this instance, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'alertworks_queue_jobs',
    help: 'Jobs in this queue by state (all instances; read from Redis).',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  readonly active = new Gauge({
    name: 'alertworks_jobs_active',
    help: 'Jobs of this queue running right now on this instance.',
    registers: [this.registry],
  });
  private probeMetrics?: ProbeMetrics;
  private running = 0;

  constructor(readonly queue: string) {
    this.job = `alertworks_${queue}`;
  }

  jobStarted(): void {
    this.active.set(++this.running);
  }

  /** Never below zero, even for a job that started before the reporter was wired. */
  jobEnded(): void {
    this.running = Math.max(0, this.running - 1);
    this.active.set(this.running);
  }

  /** blackbox-exporter-named probe gauges, created on first use (only check queues have them). */
  probes(): ProbeMetrics {
    this.probeMetrics ??= new ProbeMetrics(this.registry);
    return this.probeMetrics;
  }
}

/** The blackbox exporter calls the dns phase "resolve". */
const PHASE_LABEL: Record<Phase, string> = { dns: 'resolve', connect: 'connect', tls: 'tls', processing: 'processing', transfer: 'transfer' };
/** Check types whose result is an HTTP response (the presets probe HTTP APIs). */
const HTTP_TYPES = new Set(['http', 'ses', 's3', 'openai', 'anthropic']);

/**
 * The blackbox exporter's probe_* names with a `check` label, so its dashboards work unchanged;
 * the same names and labels as the checks' series on /metrics.
 */
export class ProbeMetrics {
  readonly success: Gauge<'check'>;
  readonly duration: Gauge<'check'>;
  readonly statusCode: Gauge<'check'>;
  readonly phaseDuration: Gauge<'check' | 'phase'>;
  readonly dnsLookup: Gauge<'check'>;
  readonly sslEarliestExpiry: Gauge<'check'>;
  readonly sslLastChainExpiry: Gauge<'check'>;

  constructor(registry: Registry) {
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
    this.success = gauge('probe_success', 'Whether the last probe of the check succeeded (1) or not (0).', ['check']);
    this.duration = gauge('probe_duration_seconds', 'How long the last probe took to complete, in seconds.', ['check']);
    this.statusCode = gauge('probe_http_status_code', 'HTTP status code of the last probe (0 when none was received).', ['check']);
    this.phaseDuration = gauge('probe_http_duration_seconds', 'Duration of each phase of the last HTTP probe (resolve, connect, tls, processing, transfer).', ['check', 'phase']);
    this.dnsLookup = gauge('probe_dns_lookup_time_seconds', 'How long the DNS lookup of the last probe took, in seconds.', ['check']);
    this.sslEarliestExpiry = gauge('probe_ssl_earliest_cert_expiry', 'Earliest notAfter (Unix seconds) among the certificates of the last tls probe.', ['check']);
    this.sslLastChainExpiry = gauge('probe_ssl_last_chain_expiry_timestamp_seconds', 'Earliest notAfter (Unix seconds) of the verified chain of the last tls probe.', ['check']);
  }

  record(check: { name: string; type: string }, result: ProbeResult): void {
    const labels = { check: labelValue(check.name) };
    this.success.set(labels, result.success ? 1 : 0);
    this.duration.set(labels, result.durationSeconds);
    if (result.phases.dns !== undefined) this.dnsLookup.set(labels, result.phases.dns);
    if (HTTP_TYPES.has(check.type)) {
      this.statusCode.set(labels, result.statusCode ?? 0);
      for (const phase of Object.keys(PHASE_LABEL) as Phase[]) this.phaseDuration.set({ ...labels, phase: PHASE_LABEL[phase] }, result.phases[phase] ?? 0);
    }
    // tls checks (jobs/checks/tls.ts) put their expiry figures in details.
    const { earliestExpirySeconds, lastChainExpirySeconds } = result.details ?? {};
    if (typeof earliestExpirySeconds === 'number') this.sslEarliestExpiry.set(labels, earliestExpirySeconds);
    if (typeof lastChainExpirySeconds === 'number') this.sslLastChainExpiry.set(labels, lastChainExpirySeconds);
  }
}
