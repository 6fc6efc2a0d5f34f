import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedServer } from '../support/check-targets.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';

const TOKEN = 'e2e-otel-metrics-token-0123456';

/**
 * OTEL_METRICS_EXPORTER=otlp: the running service exports the metrics it serves on /metrics —
 * its own counters and histograms and the probe gauges — over OTLP/HTTP to a local receiver
 * that decodes each export request; the values agree with /metrics.
 */
describe('metrics over OTLP/HTTP', () => {
  let redis: RedisServer;
  let receiver: OtlpReceiver;
  let web: ScriptedServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    [redis, receiver, web] = await Promise.all([RedisServer.start(), new OtlpReceiver().start(), ScriptedServer.start()]);
    web.respond(200, 'ok');
    service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: "=~.+" }, action: notify }\nchecks:\n  - { name: web, type: http, url: "${web.url('/health')}", interval: 1s }\n`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '500',
        OTEL_SERVICE_NAME: 'alertworks-metrics-e2e',
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([receiver?.stop(), web?.stop(), redis?.destroy()]);
  });

  it('exports probe gauges, counters and histograms with the service resource, matching /metrics', async () => {
    const res = await fetch(`${service.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'alertworks',
        alerts: [{ status: 'firing', labels: { alertname: 'OtlpProbe' }, annotations: {}, startsAt: new Date().toISOString() }],
      }),
    });
    expect(res.status).toBe(200);
    const probe = await waitFor('probe_success over OTLP', () => receiver.latestPoint('probe_success', { check: 'web' }), 30_000, 200);
    expect(probe).toMatchObject({ kind: 'gauge', value: 1, resource: expect.objectContaining({ 'service.name': 'alertworks-metrics-e2e' }) });

    const accepted = await waitFor(
      'the webhook counter over OTLP',
      () => receiver.latestPoint('alertworks_http_requests_total', { route: '/hooks/alertmanager', status: '200' }),
      20_000,
      200,
    );
    expect(accepted).toMatchObject({ kind: 'sum', monotonic: true, temporality: 2, value: 1 });

    const latency = receiver.latestPoint('alertworks_http_request_duration_seconds', { route: '/hooks/alertmanager' });
    expect(latency?.kind).toBe('histogram');
    expect(latency?.histogram?.count).toBe(1);
    // Per-bucket counts (not prom-client's cumulative ones): exactly one observation in one bucket.
    expect(latency?.histogram?.bucketCounts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(latency?.histogram?.bucketCounts.length).toBe((latency?.histogram?.explicitBounds.length ?? 0) + 1);

    // /metrics is still served, with the same probe value.
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toMatch(/^probe_success\{check="web"\} 1$/m);
  });
});
