import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { groupingPath, PushReporter, pushFailures } from './pushgateway.js';
import { parseConfig } from '../config/load.js';
import { observeProbe } from '../../checks/check-metrics.js';

/** A stand-in Pushgateway that records each push (method, path, body) and answers as told. */
class RecordingGateway {
  readonly pushes: { method: string; path: string; body: string; at: number; authorization?: string }[] = [];
  status = 200;
  /** Never answer (a hung Pushgateway). */
  hang = false;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.pushes.push({
          method: req.method ?? '',
          path: req.url ?? '',
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
          authorization: req.headers.authorization,
        });
        if (this.hang) return;
        res.writeHead(this.status).end(this.status >= 400 ? 'bad push' : '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** A Pushgateway answered in-process (for tests that drive the reporter's own timers with fake time). */
function recordingFetch() {
  const pushes: { path: string; body: string; at: number }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    pushes.push({ path: new URL(input instanceof Request ? input.url : input).pathname, body: String(init?.body ?? ''), at: Date.now() });
    return new Response(null, { status: 200 });
  };
  return { pushes, fetch };
}

async function failures(job: string): Promise<number> {
  const values = (await pushFailures.get()).values.filter((v) => v.labels.group === job);
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('pushgateway config', () => {
  it('defaults: off, 30s schedule, 5s timeout, 1s coalescing', () => {
    expect(parseConfig('{}', 'c.yaml', {}).pushgateway).toEqual({ url: undefined, interval: 30_000, timeout: 5_000, minPushInterval: 1_000 });
  });

  it.each([
    ['PUSHGATEWAY_URL wins over the file', 'pushgateway: { url: "http://file:9091" }', { PUSHGATEWAY_URL: 'http://env:9091' }, 'http://env:9091'],
    ['an empty url means off', 'pushgateway: { url: "" }', {}, undefined],
    ['an empty PUSHGATEWAY_URL leaves the file value', 'pushgateway: { url: "http://file:9091" }', { PUSHGATEWAY_URL: '' }, 'http://file:9091'],
  ])('%s', (_name, yaml, env, url) => {
    expect(parseConfig(yaml, 'c.yaml', env).pushgateway.url).toBe(url);
  });

  it.each([
    ['pushgateway: { url: "pushgateway:9091" }', {}, 'pushgateway.url: must be an http:// or https:// URL'],
    ['{}', { PUSHGATEWAY_URL: 'nope' }, 'pushgateway.url: must be an http:// or https:// URL, e.g. http://pushgateway:9091 (set by PUSHGATEWAY_URL)'],
    ['pushgateway: { interval: 10ms }', {}, 'pushgateway.interval: must be at least 1s'],
    ['pushgateway: { timeout: 5x }', {}, 'pushgateway.timeout: "5x" is not a duration'],
    ['pushgateway: { job: x }', {}, 'pushgateway: Unrecognized key: "job"'],
  ])('%s %j -> %s', (yaml, env, expected) => {
    expect(() => parseConfig(yaml, 'c.yaml', env)).toThrow(expected);
  });
});

describe('groupingPath', () => {
  it.each([
    [{ job: 'alertworks_notify', instance: 'web-1' }, 'job/alertworks_notify/instance/web-1'],
    [{ job: 'alertworks_notify', instance: 'a/b' }, 'job/alertworks_notify/instance@base64/YS9i'],
    [{ job: 'alertworks_notify', instance: '' }, 'job/alertworks_notify/instance@base64/='],
    [{ job: 'alertworks_x', instance: 'host name' }, 'job/alertworks_x/instance/host%20name'],
  ])('%j -> %s', (labels, path) => {
    expect(groupingPath(labels)).toBe(path);
  });
});

describe('PushReporter', () => {
  let gateway: RecordingGateway;
  let reporter: PushReporter;

  beforeEach(async () => {
    gateway = await new RecordingGateway().start();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await reporter?.stop();
    await gateway.stop();
  });

  it('pushes the group with its grouping key and the job metrics after a job', async () => {
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'worker-a', intervalMs: 60_000, minPushIntervalMs: 100 });
    reporter.onJobStarted({ queue: 'notify' });
    reporter.onJobFinished({ queue: 'notify', action: 'notify', outcome: 'notified', durationSeconds: 0.25 });
    await expect.poll(() => gateway.pushes.length).toBeGreaterThan(0);
    const push = gateway.pushes.at(-1)!;
    expect(push.method).toBe('PUT');
    expect(push.path).toBe('/metrics/job/alertworks_notify/instance/worker-a');
    expect(push.body).toContain('alertworks_jobs_processed_total{outcome="notified"} 1');
    expect(push.body).toContain('alertworks_job_duration_seconds_count 1');
    expect(push.body).toContain('alertworks_job_duration_seconds_sum 0.25');
    expect(push.body).toContain('alertworks_jobs_active 0');
    expect(push.body).toMatch(/alertworks_job_last_success_timestamp_seconds \d{10}/);
    expect(push.body).toContain('alertworks_job_last_failure_timestamp_seconds 0');
  });

  it('sends the userinfo of a user:password@ URL as basic auth (fetch refuses credentials in URLs)', async () => {
    reporter = new PushReporter();
    const [scheme, rest] = gateway.url.split('//');
    reporter.start({ url: `${scheme}//pg-user:p%40ss:word@${rest}`, instance: 'auth', intervalMs: 60_000, minPushIntervalMs: 100 });
    reporter.onJobStarted({ queue: 'authq' });
    reporter.onJobFinished({ queue: 'authq', action: 'authq', outcome: 'done', durationSeconds: 0.1 });
    await expect.poll(() => gateway.pushes.filter((p) => p.path.includes('authq')).length).toBeGreaterThan(0);
    const push = gateway.pushes.find((p) => p.path.includes('authq'))!;
    expect(push.path).toBe('/metrics/job/alertworks_authq/instance/auth');
    expect(push.authorization).toBe(`Basic ${Buffer.from('pg-user:p@ss:word').toString('base64')}`);
    expect(await failures('alertworks_authq')).toBe(0);
  });

  it('coalesces 100 jobs finished within a second into a push at once and a trailing one, the last one complete', async () => {
    // The reporter's own coalescing timer, driven by fake time: 100 jobs 10 ms apart.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const gatewayStub = recordingFetch();
    reporter = new PushReporter();
    reporter.start({ url: 'http://pushgateway.test:9091', instance: 'burst', intervalMs: 60_000, minPushIntervalMs: 1_000, fetch: gatewayStub.fetch });
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      reporter.onJobStarted({ queue: 'burst' });
      reporter.onJobFinished({ queue: 'burst', action: 'burst', outcome: i % 10 === 0 ? 'failed' : 'done', durationSeconds: 0.01 });
      await vi.advanceTimersByTimeAsync(10);
    }
    // The first job is pushed at once; the other 99 (the last at 990 ms) wait for the trailing slot, 1 s after it.
    expect(gatewayStub.pushes.map((p) => p.at - started)).toEqual([0, 1_000]);
    const last = gatewayStub.pushes.at(-1)!;
    expect(last.path).toBe('/metrics/job/alertworks_burst/instance/burst');
    expect(last.body).toContain('alertworks_jobs_processed_total{outcome="done"} 90');
    expect(last.body).toContain('alertworks_jobs_processed_total{outcome="failed"} 10');
    // Nothing more until the schedule (60 s): the trailing push left nothing dirty.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(gatewayStub.pushes).toHaveLength(2);
  });

  it('a failing Pushgateway is counted and never blocks the caller', async () => {
    gateway.status = 500;
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'down', intervalMs: 60_000, minPushIntervalMs: 10 });
    const before = await failures('alertworks_failing');
    const started = performance.now();
    for (let i = 0; i < 50; i++) reporter.onJobFinished({ queue: 'failing', action: 'failing', outcome: 'done', durationSeconds: 0.01 });
    expect(performance.now() - started).toBeLessThan(50);
    await expect.poll(() => failures('alertworks_failing')).toBeGreaterThan(before);
    const reasons = (await pushFailures.get()).values.filter((v) => v.labels.group === 'alertworks_failing').map((v) => v.labels.reason);
    expect(reasons).toContain('server_error');
  });

  it('a hung Pushgateway times out and counts a timeout', async () => {
    gateway.hang = true;
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'hung', intervalMs: 60_000, timeoutMs: 200, minPushIntervalMs: 10 });
    reporter.onJobFinished({ queue: 'hung', action: 'hung', outcome: 'done', durationSeconds: 0.01 });
    await expect
      .poll(async () => (await pushFailures.get()).values.some((v) => v.labels.group === 'alertworks_hung' && v.labels.reason === 'timeout' && v.value >= 1), {
        timeout: 3_000,
      })
      .toBe(true);
  });

  it('pushes queue sizes on the schedule and once more on stop', async () => {
    let reads = 0;
    reporter = new PushReporter();
    reporter.start({
      url: gateway.url,
      instance: 'sched',
      intervalMs: 200,
      queueCounts: async () => ({ sched: { waiting: 3 + reads++, active: 1 } }),
    });
    await expect.poll(() => gateway.pushes.filter((p) => p.path.includes('alertworks_sched')).length, { timeout: 3_000 }).toBeGreaterThanOrEqual(2);
    const beforeStop = gateway.pushes.length;
    await reporter.stop();
    expect(gateway.pushes.length).toBe(beforeStop + 1);
    expect(gateway.pushes.at(-1)!.body).toContain(`alertworks_queue_jobs{queue="sched",state="waiting"} ${3 + reads - 1}`);
  });

  it('records probe results under blackbox exporter names in the checks group', async () => {
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'probe', intervalMs: 60_000, minPushIntervalMs: 10 });
    observeProbe(
      { name: 'api-health', type: 'http' },
      { success: false, durationSeconds: 0.5, phases: { connect: 0.1, processing: 0.3 }, statusCode: 503 },
      reporter,
    );
    await expect.poll(() => gateway.pushes.some((p) => p.path === '/metrics/job/alertworks_checks/instance/probe')).toBe(true);
    const body = gateway.pushes.find((p) => p.path.includes('alertworks_checks'))!.body;
    expect(body).toContain('probe_success{check="api-health"} 0');
    expect(body).toContain('probe_duration_seconds{check="api-health"} 0.5');
    expect(body).toContain('probe_http_status_code{check="api-health"} 503');
    expect(body).toContain('probe_http_duration_seconds{check="api-health",phase="connect"} 0.1');
    expect(body).toContain('probe_http_duration_seconds{check="api-health",phase="resolve"} 0');
  });

  it('records tls expiry figures from a tls check result', async () => {
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'tls', intervalMs: 60_000, minPushIntervalMs: 10 });
    observeProbe(
      { name: 'api-cert', type: 'tls' },
      {
        success: true,
        durationSeconds: 0.2,
        phases: { tls: 0.1 },
        details: { certificates: [], earliestExpirySeconds: 1_900_000_000, lastChainExpirySeconds: 1_950_000_000 },
      },
      reporter,
    );
    await expect.poll(() => gateway.pushes.some((p) => p.body.includes('api-cert'))).toBe(true);
    const body = gateway.pushes.find((p) => p.body.includes('api-cert'))!.body;
    expect(body).toContain('probe_ssl_earliest_cert_expiry{check="api-cert"} 1900000000');
    expect(body).toContain('probe_ssl_last_chain_expiry_timestamp_seconds{check="api-cert"} 1950000000');
    expect(body).toContain('probe_success{check="api-cert"} 1');
    expect(body).not.toContain('probe_http_status_code{check="api-cert"}');
  });

  it('reportJob reports a job run outside startWorkers, failed when it throws', async () => {
    reporter = new PushReporter();
    reporter.start({ url: gateway.url, instance: 'rj', intervalMs: 60_000, minPushIntervalMs: 10 });
    await reporter.reportJob('checks', async () => ({ outcome: 'success' }));
    await expect(reporter.reportJob('checks', async () => Promise.reject(new Error('probe crashed')))).rejects.toThrow('probe crashed');
    const text = await reporter.group('checks').registry.metrics();
    expect(text).toContain('alertworks_jobs_processed_total{outcome="success"} 1');
    expect(text).toContain('alertworks_jobs_processed_total{outcome="failed"} 1');
    expect(text).toContain('alertworks_jobs_active 0');
    expect(text).toContain('alertworks_job_duration_seconds_count 2');
  });

  it('without a URL it records but never pushes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const gatewayStub = recordingFetch();
    reporter = new PushReporter();
    reporter.start({ instance: 'off', fetch: gatewayStub.fetch });
    reporter.onJobFinished({ queue: 'off', action: 'off', outcome: 'done', durationSeconds: 0.01 });
    // Past the coalescing window and two schedule intervals (defaults 1 s and 30 s).
    await vi.advanceTimersByTimeAsync(61_000);
    expect(gatewayStub.pushes).toHaveLength(0);
    expect(await reporter.group('off').registry.metrics()).toContain('alertworks_jobs_processed_total{outcome="done"} 1');
  });
});
