import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createTracedFetch, safeUrl } from './traced-fetch.js';
import { withClientSpan, withSpan } from './tracing.js';
import { createLogger } from './logger.js';
import { withLogContext } from './context.js';
import { wrapProcessor } from '../runner/run-workers.js';
import type { Action, AlertJob } from '../action.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register({ propagator: new W3CTraceContextPropagator() });

let server: Server;
let base = '';
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await provider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  seen.length = 0;
});

const spans = () => exporter.getFinishedSpans();

describe('traced fetch', () => {
  it('opens a CLIENT span with HTTP semantic conventions and sends its traceparent', async () => {
    const fetch = createTracedFetch({ spanName: 'hetzner.volume.get', attributes: { 'rpc.system': 'hetzner' } });
    await withSpan('job.test', {}, async () => {
      const res = await fetch(`${base}/v1/volumes/1?status=200`, { headers: { authorization: 'Bearer s3cret-token-value' } });
      expect(res.status).toBe(200);
    });
    const [client, parent] = spans();
    expect(client?.name).toBe('hetzner.volume.get');
    expect(client?.kind).toBe(SpanKind.CLIENT);
    expect(client?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(client?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${base}/v1/volumes/1?status=200`,
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
      'rpc.system': 'hetzner',
    });
    expect(seen[0]?.traceparent).toBe(`00-${client?.spanContext().traceId}-${client?.spanContext().spanId}-01`);
    expect(seen[0]?.authorization).toBe('Bearer s3cret-token-value');
  });

  it.each([
    [404, '404'],
    [503, '503'],
  ])('HTTP %i marks the span failed with error.type %s', async (status, type) => {
    await createTracedFetch()(`${base}/x?status=${status}`, { method: 'post' });
    const [span] = spans();
    expect(span?.name).toBe('http.post');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe(type);
  });

  it('records a transport error on the span and rethrows it', async () => {
    await expect(createTracedFetch()('http://127.0.0.1:1/nothing')).rejects.toThrow();
    const [span] = spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('inside withClientSpan it fills that span in instead of nesting a second client span', async () => {
    const fetch = createTracedFetch();
    await withClientSpan('slack.chat.postMessage', { 'rpc.method': 'chat.postMessage' }, async () => {
      await fetch(`${base}/api/chat.postMessage`, { method: 'POST' });
      await fetch(`${base}/api/chat.postMessage?retry=1`, { method: 'POST' });
    });
    const all = spans();
    const outer = all.find((s) => s.name === 'slack.chat.postMessage')!;
    expect(outer.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'rpc.method': 'chat.postMessage' });
    expect(seen[0]?.traceparent).toContain(outer.spanContext().spanId);
    // A second request in the same call is its own child span.
    const second = all.find((s) => s.name === 'http.post')!;
    expect(second.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(all).toHaveLength(2);
  });

  it.each([
    ['http://user:pw@host.example/p', 'http://host.example/p'],
    ['https://api.example.com/v1?token=abc123&x=1', 'https://api.example.com/v1?token=[REDACTED]&x=1'],
  ])('url.full %s is recorded as %s', (url, expected) => {
    expect(safeUrl(new URL(url))).toBe(expected);
  });
});

describe('log correlation with a registered provider', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    return { lines, logger: createLogger({ level: 'info', destination }) };
  }

  it('a job carries trace_id/span_id of its job.<action> span, continuing the webhook trace, and its job id', async () => {
    const { lines, logger } = capture();
    // The webhook side: the traceparent enqueue.ts stores with the job.
    const carrier: Record<string, string> = {};
    await withSpan('hooks.alertmanager', {}, async () => propagation.inject(context.active(), carrier), SpanKind.SERVER);
    const action = { name: 'notify', description: 'test', create: () => async () => ({ outcome: 'done' }) } as Action;
    const processor = async () => {
      logger.info('inside the job');
      return { outcome: 'notified' };
    };
    const job = { id: 'job-1', queueName: 'notify', attemptsMade: 0, opts: { attempts: 3 }, data: { traceparent: carrier.traceparent } } as unknown as AlertJob;
    await wrapProcessor(action, processor, logger, {})(job);

    const webhook = spans().find((s) => s.name === 'hooks.alertmanager')!;
    const jobSpan = spans().find((s) => s.name === 'job.notify')!;
    expect(jobSpan.kind).toBe(SpanKind.CONSUMER);
    expect(jobSpan.spanContext().traceId).toBe(webhook.spanContext().traceId);
    expect(jobSpan.parentSpanContext?.spanId).toBe(webhook.spanContext().spanId);
    expect(jobSpan.attributes).toMatchObject({ 'messaging.system': 'bullmq', 'messaging.destination.name': 'notify', 'alertworks.job.outcome': 'notified' });
    const inside = lines.filter((l) => l.msg === 'inside the job' || l.msg === 'job done');
    expect(inside).toHaveLength(2);
    for (const line of inside) {
      expect(line).toMatchObject({
        trace_id: jobSpan.spanContext().traceId,
        span_id: jobSpan.spanContext().spanId,
        job_id: 'job-1',
        queue: 'notify',
        action: 'notify',
      });
    }
  });

  it('lines outside any span carry no trace fields; lines in a request carry request_id too', async () => {
    const { lines, logger } = capture();
    logger.info('outside');
    await withLogContext({ request_id: 'req-1' }, () => withSpan('hooks.alertmanager', {}, async () => logger.info('inside')));
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({
      request_id: 'req-1',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
