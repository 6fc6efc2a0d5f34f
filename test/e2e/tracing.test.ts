import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { OTLP_KIND, OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';

const TOKEN = 'e2e-tracing-webhook-token-0123';

function webhook(fingerprint: string) {
  return {
    version: '4',
    receiver: 'alertworks',
    status: 'firing',
    groupKey: `{}:{alertname="${fingerprint}"}`,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: `Traced${fingerprint}`, severity: 'warning' },
        annotations: { summary: 'traced' },
        startsAt: new Date().toISOString(),
        fingerprint,
      },
    ],
  };
}

async function post(service: ServiceProcess, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${service.url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('traces: webhook -> job -> Slack call, exported over OTLP/HTTP by the real SDK setup', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let receiver: OtlpReceiver;
  let service: ServiceProcess;

  beforeAll(async () => {
    redis = await RedisServer.start();
    slack = await new FakeSlack().start();
    receiver = await new OtlpReceiver().start();
    service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: "=~.+" }, action: notify }\n`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SERVICE_NAME: 'alertworks-e2e',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await receiver?.stop();
    await slack?.stop();
    await redis?.destroy();
  });

  it('one trace, parent to child: hooks.alertmanager -> job.notify -> slack.chat.postMessage; logs carry its ids', async () => {
    const res = await post(service, webhook('trace-1'));
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');

    const slackSpan = await waitFor('the Slack client span', () => receiver.byName('slack.chat.postMessage')[0], 20_000);
    const jobSpan = receiver.spans.find((s) => s.spanId === slackSpan.parentSpanId);
    expect(jobSpan?.name).toBe('job.notify');
    const serverSpan = receiver.spans.find((s) => s.spanId === jobSpan?.parentSpanId);
    expect(serverSpan?.name).toBe('hooks.alertmanager');
    expect(serverSpan?.parentSpanId).toBe('');
    if (!serverSpan || !jobSpan) throw new Error('trace chain incomplete');

    const chain: ReceivedSpan[] = [serverSpan, jobSpan, slackSpan];
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect(chain.map((s) => s.kind)).toEqual([OTLP_KIND.server, OTLP_KIND.consumer, OTLP_KIND.client]);
    for (const span of chain) expect(span.resource['service.name']).toBe('alertworks-e2e');

    expect(serverSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/hooks/alertmanager',
      'http.response.status_code': 200,
      'alertworks.alerts': 1,
      'alertworks.request_id': requestId,
    });
    expect(jobSpan.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': 'notify',
      'messaging.operation.type': 'process',
      'alertworks.job.outcome': 'notified',
    });
    expect(slackSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.full': `${slack.apiUrl}chat.postMessage`,
      'server.address': '127.0.0.1',
      'server.port': slack.port,
      'http.response.status_code': 200,
      'rpc.method': 'chat.postMessage',
    });
    expect(JSON.stringify(receiver.spans)).not.toContain(slack.token);

    // Log lines written inside the request and inside the job carry that trace's ids.
    const traceId = serverSpan.traceId;
    const accepted = service.logsWith('webhook accepted').find((l) => l.request_id === requestId);
    expect(accepted).toMatchObject({ trace_id: traceId, span_id: serverSpan.spanId, trace_flags: '01' });
    const done = service.logsWith('job done').find((l) => l.trace_id === traceId);
    expect(done).toMatchObject({ span_id: jobSpan.spanId, queue: 'notify', action: 'notify', job_id: expect.any(String) });
  });

  it('a failing Slack call is recorded as an error on its span, and the job span too', async () => {
    slack.injectFaults({ kind: 'platform', error: 'channel_not_found' });
    expect((await post(service, webhook('trace-err'))).status).toBe(200);
    const failed = await waitFor('the failed Slack span', () => receiver.byName('slack.chat.postMessage').find((s) => s.status.code === 2), 20_000);
    expect(failed.attributes['error.type']).toBe('slack_channel_not_found');
    expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
    const jobSpan = receiver.spans.find((s) => s.spanId === failed.parentSpanId);
    expect(jobSpan?.status.code).toBe(2);
    expect(jobSpan?.attributes['error.type']).toBe('slack_channel_not_found');
    expect(jobSpan?.attributes['alertworks.job.outcome']).toBe('failed');
  });

  it('continues a trace the caller started (traceparent on the webhook request)', async () => {
    const upstreamTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post(service, webhook('trace-upstream'), { traceparent: `00-${upstreamTrace}-00f067aa0ba902b7-01` });
    expect(res.status).toBe(200);
    const span = await waitFor('the continued job span', () => receiver.spans.find((s) => s.name === 'job.notify' && s.traceId === upstreamTrace), 20_000);
    expect(span).toBeDefined();
    expect(receiver.spans.find((s) => s.name === 'hooks.alertmanager' && s.traceId === upstreamTrace)?.parentSpanId).toBe('00f067aa0ba902b7');
  });
});

describe('a collector that is down', () => {
  it('jobs still run, the SDK problem is logged, and a graceful stop is not held up', async () => {
    const redis = await RedisServer.start();
    const slack = await new FakeSlack().start();
    const closed = await new OtlpReceiver().start();
    const endpoint = closed.endpoint;
    await closed.stop(); // nothing listens there any more
    const service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: "=~.+" }, action: notify }\n`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    try {
      expect((await post(service, webhook('collector-down'))).status).toBe(200);
      await waitFor('the Slack message', () => slack.messages.length === 1, 20_000);
      const problem = await waitFor('the SDK problem in the log', () => service.logsWith('tracing: OpenTelemetry SDK problem (spans may be lost)')[0], 15_000);
      expect(problem).toMatchObject({ level: 'warn' });
      expect(service.logsWith('job done')[0]).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      const t0 = Date.now();
      expect(await service.stop()).toBe(0);
      console.log(`graceful stop with the collector down took ${Date.now() - t0} ms`);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await service.stop();
      await slack.stop();
      await redis.destroy();
    }
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('exports nothing, logs carry no trace ids, jobs still run', async () => {
    const redis = await RedisServer.start();
    const slack = await new FakeSlack().start();
    const receiver = await new OtlpReceiver().start();
    const service = await ServiceProcess.start({
      config: `redis: { url: "${redis.url}" }\nroutes:\n  - { match: { alertname: "=~.+" }, action: notify }\n`,
      env: {
        WEBHOOK_TOKEN: TOKEN,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SDK_DISABLED: 'true',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    try {
      expect((await post(service, webhook('untraced'))).status).toBe(200);
      await waitFor('the Slack message', () => slack.messages.length === 1, 20_000);
      const done = await waitFor('job done log', () => service.logsWith('job done')[0], 10_000);
      expect(done).not.toHaveProperty('trace_id');
      expect(service.logsWith('webhook accepted')[0]).not.toHaveProperty('trace_id');
    } finally {
      await service.stop();
      await receiver.stop();
      await slack.stop();
      await redis.destroy();
    }
    // Stopped gracefully (a flush would have happened here): still nothing was sent.
    expect(receiver.requests).toBe(0);
  });
});
