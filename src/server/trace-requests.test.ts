import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { spanName, traceRequests } from './trace-requests.js';

const exporter = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register({ propagator: new W3CTraceContextPropagator() });

describe('spanName', () => {
  it.each([
    ['/hooks/alertmanager', 'hooks.alertmanager'],
    ['/admin/queues/*', 'admin.queues'],
    ['/status/:check', 'http.status'],
    ['/api/v1/checks/:name', 'api.v1'],
    [undefined, 'http.unmatched'],
  ])('%s -> %s', (route, name) => {
    expect(spanName(route)).toBe(name);
  });
});

describe('traceRequests', () => {
  const app = new Hono();
  app.use('*', traceRequests());
  app.get('/healthz', (c) => c.text('ok'));
  app.post('/hooks/alertmanager', (c) => c.json({}, 200));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.onError((_err, c) => c.json({ error: 'internal' }, 500));

  it('one SERVER span per request, named from the route, continuing an incoming traceparent', async () => {
    exporter.reset();
    await app.request('/hooks/alertmanager', { method: 'POST', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('hooks.alertmanager');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/hooks/alertmanager', 'http.response.status_code': 200 });
  });

  it('health probes are not traced; a 5xx marks the span failed', async () => {
    exporter.reset();
    await app.request('/healthz');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await app.request('/boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['http.response.status_code']).toBe(500);
  });
});
