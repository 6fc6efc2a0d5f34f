import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { Prometheus } from '../support/prometheus.js';
import { Pushgateway } from '../support/pushgateway.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { TestPki, TlsTestServer } from '../support/certs.js';
import { tlsCheck } from '../../checks/types/tls.js';
import { createLogger } from '../../src/observability/logger.js';
import { PushReporter } from '../../src/observability/pushgateway.js';
import { observeProbe } from '../../checks/check-metrics.js';

const TOKEN = 'e2e-pushgateway-webhook-token-01';

function payload(prefix: string, n: number) {
  const startsAt = new Date().toISOString();
  return {
    version: '4',
    receiver: 'alertworks',
    status: 'firing',
    alerts: Array.from({ length: n }, (_, i) => ({ status: 'firing', labels: { alertname: `${prefix}${i}` }, startsAt, fingerprint: `${prefix}-${i}` })),
  };
}

async function post(service: ServiceProcess, body: unknown): Promise<void> {
  const res = await fetch(`${service.url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Sum of a metric's samples in Prometheus text whose line contains every `match`. */
function sample(text: string, name: string, ...match: string[]): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && match.every((m) => l.includes(m)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

const metricsOf = async (service: ServiceProcess) => (await fetch(`${service.url}/metrics`)).text();

describe('Pushgateway reporting with the real Pushgateway and Prometheus (honor_labels)', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let gateway: Pushgateway;
  let prometheus: Prometheus;
  let service: ServiceProcess;
  const started = Date.now() / 1000;

  beforeAll(async () => {
    redis = await RedisServer.start();
    slack = await new FakeSlack().start();
    gateway = await Pushgateway.start();
    prometheus = await Prometheus.start({ scrape: [{ job: 'pushgateway', targets: [gateway.address], honorLabels: true }] });
    service = await ServiceProcess.start({
      role: 'all',
      config: `redis: { url: "${redis.url}" }
routes:
  - { match: { alertname: "=~.+" }, action: notify }
pushgateway: { instance: e2e-worker, interval: 2s }
`,
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, PUSHGATEWAY_URL: gateway.url },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await prometheus?.stop();
    await gateway?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  it('after a few jobs, Prometheus returns the pushed series with the grouping labels and the right values', async () => {
    await post(service, payload('Pushed', 3));
    await waitFor('3 Slack messages', () => slack.messages.length === 3, 20_000);

    const group = '{job="alertworks_notify",instance="e2e-worker"}';
    const processed = await waitFor(
      'the pushed counter in Prometheus',
      async () => {
        const r = await prometheus.query(`alertworks_jobs_processed_total${group}`);
        return r.length === 1 && r[0]?.value[1] === '3' ? r : undefined;
      },
      30_000,
      250,
    );
    expect(processed[0]?.metric).toMatchObject({
      __name__: 'alertworks_jobs_processed_total',
      job: 'alertworks_notify',
      instance: 'e2e-worker',
      outcome: 'notified',
    });

    const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1]);
    expect(await value(`alertworks_job_duration_seconds_count${group}`)).toBe(3);
    expect(await value(`alertworks_job_duration_seconds_sum${group}`)).toBeGreaterThan(0);
    expect(await value(`alertworks_job_last_success_timestamp_seconds${group}`)).toBeGreaterThanOrEqual(Math.floor(started));
    expect(await value(`alertworks_job_last_failure_timestamp_seconds${group}`)).toBe(0);
    expect(await value(`alertworks_jobs_active${group}`)).toBe(0);
    // Queue sizes come with the scheduled push (every 2 s here).
    await waitFor(
      'completed queue size pushed',
      async () => (await value(`alertworks_queue_jobs{job="alertworks_notify",instance="e2e-worker",queue="notify",state="completed"}`)) === 3,
      15_000,
      250,
    );
    expect(await value(`push_time_seconds${group}`)).toBeGreaterThanOrEqual(Math.floor(started));
    // Pushed series are not mixed up with the scrape target's own labels (honor_labels).
    expect(await prometheus.query('alertworks_jobs_processed_total{job="pushgateway"}')).toHaveLength(0);
  });

  it('100 jobs finishing within a couple of seconds make only a few pushes', async () => {
    const pushesAtGateway = async () => sample(await gateway.metricsText(), 'pushgateway_http_requests_total', 'handler="push"');
    const before = await pushesAtGateway();
    const ownPushes = async () => sample(await metricsOf(service), 'alertworks_pushgateway_pushes_total', 'group="alertworks_notify"');
    const ownBefore = await ownPushes();
    const t0 = Date.now();
    await post(service, payload('Burst', 100));
    await waitFor('100 more Slack messages', () => slack.messages.length === 103, 60_000, 50);
    const burstSeconds = (Date.now() - t0) / 1000;
    await waitFor(
      'the last trailing push',
      async () => (await prometheus.query('alertworks_jobs_processed_total{job="alertworks_notify",instance="e2e-worker"}'))[0]?.value[1] === '103',
      20_000,
      250,
    );
    const elapsed = (Date.now() - t0) / 1000;
    const pushes = (await pushesAtGateway()) - before;
    const own = (await ownPushes()) - ownBefore;
    console.log(`burst: 100 jobs in ${burstSeconds.toFixed(2)} s; ${pushes} pushes at the Pushgateway (${own} of the notify group) in ${elapsed.toFixed(2)} s`);
    // The notify group's pushes: at most one per second after jobs (trailing), plus the scheduled
    // push of every group every 2 s. Bounds follow the elapsed time, so a slow machine cannot
    // fail them; 100 pushes (one per job) would.
    expect(own).toBeGreaterThan(0);
    expect(own).toBeLessThanOrEqual(Math.ceil(elapsed) + 1 + Math.ceil(elapsed / 2) + 1);
    expect(own).toBeLessThan(100);
    expect(pushes).toBeGreaterThanOrEqual(own);
  });

  it('a check run (a real tls probe) reaches Prometheus under the blackbox exporter names', async () => {
    // The scheduler that runs checks as jobs is issue-4's; this drives the same reporting path.
    const pki = TestPki.create('pushgateway e2e');
    const leaf = pki.leaf({ commonName: 'svc.test', notBeforeDays: -1, notAfterDays: 20 });
    const server = await TlsTestServer.start({ chainPem: leaf.chainPem, keyPem: leaf.keyPem });
    const reporter = new PushReporter();
    try {
      reporter.start({ url: gateway.url, instance: 'e2e-checks', intervalMs: 60_000, minPushIntervalMs: 100 });
      const check = tlsCheck.schema.parse({ name: 'svc-cert', type: 'tls', target: server.target, serverName: 'svc.test', verify: false });
      const result = await reporter.reportJob('checks', async () => {
        const r = await tlsCheck.probe(check, { signal: AbortSignal.timeout(10_000), logger: createLogger({ level: 'silent' }) });
        observeProbe(check, r, reporter);
        return { outcome: r.success ? 'success' : 'failure', result: r };
      });
      expect(result.outcome).toBe('success');
      const group = '{job="alertworks_checks",instance="e2e-checks",check="svc-cert"}';
      const expiry = await waitFor(
        'probe_ssl_earliest_cert_expiry in Prometheus',
        async () => (await prometheus.query(`probe_ssl_earliest_cert_expiry${group}`))[0],
        20_000,
        250,
      );
      const expectedExpiry = Math.floor(new Date(leaf.cert.validity.notAfter).getTime() / 1000);
      expect(Number(expiry.value[1])).toBe(expectedExpiry);
      expect((await prometheus.query(`probe_success${group}`))[0]?.value[1]).toBe('1');
      expect(Number((await prometheus.query(`probe_duration_seconds${group}`))[0]?.value[1])).toBeGreaterThan(0);
      expect((await prometheus.query('alertworks_jobs_processed_total{job="alertworks_checks",instance="e2e-checks"}'))[0]?.metric.outcome).toBe('success');
    } finally {
      await reporter.stop();
      await server.stop();
    }
  });

  it('a graceful stop pushes once more before it exits', async () => {
    const pushTime = async () => sample(await gateway.metricsText(), 'push_time_seconds', 'job="alertworks_notify"', 'instance="e2e-worker"');
    const stopAt = Date.now() / 1000;
    expect(await service.stop()).toBe(0);
    expect(await pushTime()).toBeGreaterThanOrEqual(stopAt);
    expect(service.logsWith('stopped')).toHaveLength(1);
  });
});

describe('a Pushgateway that is down', () => {
  /** Accepts connections and never answers: the worst case for a caller without a timeout. */
  let blackhole: Server;
  const sockets = new Set<Socket>();
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: ServiceProcess;

  beforeAll(async () => {
    blackhole = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    redis = await RedisServer.start();
    slack = await new FakeSlack().start();
    service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }
routes:
  - { match: { alertname: "=~.+" }, action: notify }
pushgateway: { timeout: 3s, minPushInterval: 100ms }
`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        PUSHGATEWAY_URL: `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`,
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => blackhole.close(() => r()));
    await slack?.stop();
    await redis?.destroy();
  });

  it('does not fail or slow jobs; the failure counter rises and the failure is logged', async () => {
    await post(service, payload('Down', 10));
    await waitFor('10 Slack messages', () => slack.messages.length === 10, 30_000);
    await waitFor('10 jobs counted', async () => sample(await metricsOf(service), 'alertworks_jobs_total', 'queue="notify"') === 10, 10_000);
    const text = await metricsOf(service);
    expect(sample(text, 'alertworks_jobs_total', 'outcome="notified"')).toBe(10);
    // Each push hangs for its 3 s timeout; jobs that waited for it would take 3 s or more.
    const meanJobSeconds = sample(text, 'alertworks_job_duration_seconds_sum') / sample(text, 'alertworks_job_duration_seconds_count');
    expect(meanJobSeconds).toBeLessThan(1);

    await waitFor(
      'timeouts counted',
      async () => sample(await metricsOf(service), 'alertworks_pushgateway_push_failures_total', 'group="alertworks_notify"', 'reason="timeout"') >= 1,
      15_000,
    );
    const warning = service.logsWith('Pushgateway push failed; metrics will be pushed again later')[0];
    expect(warning).toMatchObject({ level: 'warn', pushgateway_job: 'alertworks_notify', reason: 'timeout' });
  });

  it('a graceful stop is held up by it for one push timeout (3 s) at most', async () => {
    const t0 = Date.now();
    expect(await service.stop()).toBe(0);
    const ms = Date.now() - t0;
    console.log(`graceful stop with a hung Pushgateway took ${ms} ms`);
    expect(ms).toBeLessThan(5_500);
    expect(service.logsWith('final Pushgateway push did not finish in time')).toHaveLength(1);
  });
});
