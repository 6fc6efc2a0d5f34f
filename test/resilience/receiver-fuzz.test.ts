import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { TOKEN, notifyConfig, rssMiB, tally } from './helpers.js';

const LIMIT = 256 * 1024;
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);

/** A request the fuzzer sends; `malformed` ones must get a 4xx, the rest anything below 500. */
interface FuzzCase {
  kind: string;
  body: Buffer;
  malformed: boolean;
  headers?: Record<string, string>;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const validAlert = (labels: Record<string, string>) => ({
  status: 'firing',
  labels,
  annotations: {},
  startsAt: '2026-11-22T04:00:00Z',
  fingerprint: undefined,
});
const anything = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

const arbitraries: Record<string, fc.Arbitrary<FuzzCase>> = {
  // Any JSON document at all: never an Alertmanager payload by chance (no version "4" + alerts).
  anyJson: fc.jsonValue({ maxDepth: 6 }).map((v) => ({ kind: 'anyJson', body: json(v), malformed: true })),
  // Payload-shaped, with wrong types anywhere: may be valid by chance, so only "no 5xx" holds.
  wrongTypes: fc
    .record(
      {
        version: fc.oneof(fc.constant('4'), anything),
        receiver: fc.oneof(fc.string(), anything),
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), anything),
        truncatedAlerts: fc.oneof(fc.nat(), anything),
        alerts: fc.oneof(
          fc.array(
            fc.record(
              {
                status: fc.oneof(fc.constantFrom('firing', 'resolved'), anything),
                labels: fc.oneof(fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }), anything),
                annotations: fc.oneof(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), anything),
                startsAt: fc.oneof(fc.string({ minLength: 1 }), anything),
                fingerprint: fc.oneof(fc.string(), anything),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 5 },
          ),
          anything,
        ),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ kind: 'wrongTypes', body: json(v), malformed: false })),
  // A valid payload with a huge label set (thousands of labels, long values), under the limit.
  hugeLabels: fc.record({ count: fc.integer({ min: 500, max: 3000 }), width: fc.integer({ min: 1, max: 60 }) }).map(({ count, width }) => {
    const labels: Record<string, string> = { alertname: `Huge${count}x${width}` };
    for (let i = 0; i < count; i++) labels[`label_${i}`] = 'v'.repeat(width);
    return { kind: 'hugeLabels', body: json({ version: '4', receiver: 'r', alerts: [validAlert(labels)] }), malformed: false };
  }),
  // Deep nesting, in the body itself and inside labels.
  deepNesting: fc.record({ depth: fc.integer({ min: 100, max: 100_000 }), where: fc.constantFrom('root', 'labels', 'alerts') }).map(({ depth, where }) => {
    const nested = '['.repeat(depth) + ']'.repeat(depth);
    const text =
      where === 'root'
        ? nested
        : where === 'labels'
          ? `{"version":"4","alerts":[{"status":"firing","startsAt":"x","labels":{"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}]}`
          : `{"version":"4","alerts":${nested}}`;
    return { kind: 'deepNesting', body: Buffer.from(text.slice(0, LIMIT - 1)), malformed: true };
  }),
  // Invalid UTF-8 bytes inside label values of an otherwise valid payload.
  invalidUtf8: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => {
    const [head, tail] = JSON.stringify({ version: '4', receiver: 'r', alerts: [validAlert({ alertname: 'Utf8', bad: '@@' })] }).split('@@');
    const raw = Buffer.concat([Buffer.from(head ?? ''), Buffer.from(bytes.map((b) => (b < 0x80 ? b | 0x80 : b))), Buffer.from(tail ?? '')]);
    return { kind: 'invalidUtf8', body: raw, malformed: false };
  }),
  // Not JSON at all.
  garbage: fc
    .uint8Array({ maxLength: 2048 })
    .map((bytes) => ({ kind: 'garbage', body: Buffer.concat([Buffer.from('\x00'), Buffer.from(bytes)]), malformed: true })),
  // Prototype-pollution keys and odd but valid label names.
  protoKeys: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '\u0000', '💥').map((key) => ({
    kind: 'protoKeys',
    body: Buffer.from(
      `{"version":"4","receiver":"r","${key}":{"polluted":1},"alerts":[{"status":"firing","startsAt":"2026-11-22T04:00:00Z","labels":{"alertname":"Proto","${key}":"x"},"annotations":{"${key}":"y"}}]}`,
    ),
    malformed: false,
  })),
  // Bodies just over the limit.
  overLimit: fc.integer({ min: 1, max: 4096 }).map((extra) => ({ kind: 'overLimit', body: Buffer.alloc(LIMIT + extra, 0x20), malformed: true })),
  // Wrong or missing credentials with a valid body.
  badAuth: fc.constantFrom('', 'Bearer wrong', 'Basic Zm9vOmJhcg==', `Bearer ${TOKEN}x`, 'Bearer', TOKEN).map((authorization) => ({
    kind: 'badAuth',
    body: json({ version: '4', receiver: 'r', alerts: [validAlert({ alertname: 'Auth' })] }),
    malformed: true,
    headers: { authorization },
  })),
};

/** Weighted mix; over-limit and huge cases are few because each is large. */
const mix = fc.oneof(
  { arbitrary: arbitraries.anyJson!, weight: 25 },
  { arbitrary: arbitraries.wrongTypes!, weight: 35 },
  { arbitrary: arbitraries.hugeLabels!, weight: 2 },
  { arbitrary: arbitraries.deepNesting!, weight: 5 },
  { arbitrary: arbitraries.invalidUtf8!, weight: 10 },
  { arbitrary: arbitraries.garbage!, weight: 15 },
  { arbitrary: arbitraries.protoKeys!, weight: 3 },
  { arbitrary: arbitraries.overLimit!, weight: 1 },
  { arbitrary: arbitraries.badAuth!, weight: 4 },
);

async function send(url: string, c: FuzzCase): Promise<number> {
  const res = await fetch(`${url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...c.headers },
    body: c.body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Raw HTTP over a socket, body sent in small pieces with pauses; resolves with the status. */
function trickle(
  port: number,
  body: Buffer,
  options: { chunk: number; pauseMs: number; contentLength?: number; stopAfter?: number },
): { status: Promise<number>; destroy(): void } {
  const socket = connect(port, '127.0.0.1');
  let timer: NodeJS.Timeout | undefined;
  const status = new Promise<number>((resolve, reject) => {
    let answer = '';
    socket.on('data', (b) => {
      answer += b.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m) resolve(Number(m[1]));
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer ? Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0) : 0));
  });
  socket.on('connect', () => {
    socket.write(
      `POST /hooks/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${options.contentLength ?? body.length}\r\n\r\n`,
    );
    let offset = 0;
    const limit = options.stopAfter ?? body.length;
    const next = () => {
      if (offset >= limit || socket.destroyed) return;
      socket.write(body.subarray(offset, Math.min(limit, offset + options.chunk)));
      offset += options.chunk;
      timer = setTimeout(next, options.pauseMs);
    };
    next();
  });
  return {
    status,
    destroy() {
      clearTimeout(timer);
      socket.destroy();
    },
  };
}

describe('receiver fuzzed with malformed and hostile payloads', () => {
  let redis: RedisServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    redis = await RedisServer.start();
    service = await ServiceProcess.start({
      role: 'serve',
      config: notifyConfig(redis.url, { server: `bodyLimitBytes: ${LIMIT}` }),
      env: { WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
  });

  it(`answers ${CASES} generated payloads with 4xx for every malformed one, never 5xx, and keeps its memory bounded`, async () => {
    const cases = fc.sample(mix, { numRuns: CASES, seed: Number(process.env.FUZZ_SEED ?? 20261122) });
    // Warm up (JIT, allocator) before the first memory sample.
    for (const c of cases.slice(0, 200)) await send(service.url, c);
    const rssBefore = rssMiB(service.proc.pid!);

    const failures: { kind: string; status: number; body: string }[] = [];
    const statuses: string[] = [];
    let next = 0;
    let rssHalfway = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < cases.length) {
          if (next === cases.length / 2) rssHalfway = rssMiB(service.proc.pid!);
          const c = cases[next++]!;
          const status = await send(service.url, c);
          statuses.push(`${c.kind} ${status}`);
          const bad = status >= 500 || (c.malformed && (status < 400 || status >= 500));
          if (bad && failures.length < 10) failures.push({ kind: c.kind, status, body: c.body.subarray(0, 200).toString('latin1') });
        }
      }),
    );
    const rssAfter = rssMiB(service.proc.pid!);
    const byOutcome = Object.fromEntries([...tally(statuses)].sort());
    console.info(
      `fuzz: ${cases.length} cases; RSS ${rssBefore.toFixed(0)} -> ${rssHalfway.toFixed(0)} (halfway) -> ${rssAfter.toFixed(0)} MiB; outcomes ${JSON.stringify(byOutcome)}`,
    );

    expect(failures).toEqual([]);
    expect(statuses).toHaveLength(CASES);
    expect(service.proc.exitCode).toBeNull();
    expect(service.logsWith('unhandled error in request')).toEqual([]);
    // Bounded: the payloads come and go; what stays is metrics series (bounded by labelValue) and pools.
    expect(rssAfter - rssBefore).toBeLessThan(100);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('answers bodies trickled byte by byte, refuses an oversized declared length at once, and stays responsive while sockets stall', async () => {
    const port = service.port;
    const valid = Buffer.from(
      JSON.stringify({ version: '4', receiver: 'r', alerts: [{ status: 'firing', labels: { alertname: 'Trickled' }, startsAt: '2026-11-22T04:00:00Z' }] }),
    );
    const slowValid = Array.from({ length: 10 }, () => trickle(port, valid, { chunk: 8, pauseMs: 20 }));
    const slowGarbage = Array.from({ length: 10 }, () =>
      trickle(port, Buffer.from('{"version":"4","alerts":[{"labels":'.padEnd(300, '[')), { chunk: 10, pauseMs: 20 }),
    );
    const declaredTooLarge = Array.from({ length: 5 }, () => trickle(port, Buffer.alloc(1024, 0x20), { chunk: 64, pauseMs: 50, contentLength: LIMIT + 1 }));
    // Send part of the body, then nothing: a slowloris.
    const stalled = Array.from({ length: 20 }, () => trickle(port, valid, { chunk: 16, pauseMs: 10, stopAfter: 32 }));

    // While those hang, ordinary requests are answered promptly.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    expect(await Promise.all(declaredTooLarge.map((t) => t.status))).toEqual(Array(5).fill(413));
    expect(await Promise.all(slowValid.map((t) => t.status))).toEqual(Array(10).fill(200));
    expect(await Promise.all(slowGarbage.map((t) => t.status))).toEqual(Array(10).fill(400));
    for (const t of [...slowValid, ...slowGarbage, ...declaredTooLarge, ...stalled]) t.destroy();
    await Promise.all(stalled.map((t) => t.status.catch(() => 0)));

    expect(service.proc.exitCode).toBeNull();
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it.each([
    ['just over the limit', LIMIT + 1, 413],
    ['just under the limit (not JSON)', LIMIT - 1, 400],
  ])('a chunked body (no Content-Length) %s is answered %i', async (_name, size, status) => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        controller.enqueue(part);
      },
    });
    const res = await fetch(`${service.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(status);
  });
});
