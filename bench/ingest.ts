/**
 * Ingest benchmark: POST /hooks/alertmanager (1 and 50 alerts per request, unique fingerprints)
 * against two baselines measured in the same run on the same private Redis:
 *   baseline 1 — raw BullMQ add / addBulk (what storing a job costs at the least),
 *   baseline 2 — a bare Hono handler answering 200 (what the HTTP stack costs at the least).
 * Then duplicates (the same payload re-sent), and receipt-to-job-start latency at half the
 * maximum single-alert load. Load comes from autocannon in its own process.
 *
 *   npm run bench:ingest            (BENCH_SECONDS=8 per figure; BENCH_CPU_PROF=DIR profiles the receiver)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../test/support/redis-server.js';
import { freePort, waitFor } from '../test/support/ports.js';
import { runLoad, type LoadResult } from './support/autocannon.js';
import { startNode, type NodeChild } from './support/child.js';
import { alertmanagerBody } from './support/payload.js';
import { figureSeconds, fmt, pct, printHeader, table, targetsTable, type Target } from './support/report.js';

const TOKEN = 'bench-webhook-token-0123456789abcdef';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = figureSeconds();

export interface IngestFigures {
  rawAdd: number;
  rawAddBulk: number;
  bareHono: LoadResult;
  single: LoadResult;
  fifty: LoadResult;
  duplicate: LoadResult;
  jobStart: { rate: number; load: LoadResult; jobs: number; p50: number; p99: number; max: number };
  targets: Target[];
}

export async function benchIngest(): Promise<IngestFigures> {
  printHeader('ingest: POST /hooks/alertmanager vs raw BullMQ and bare Hono');
  const tmp = mkdtempSync(join(tmpdir(), 'aw-bench-'));
  const redis = await RedisServer.start();
  const admin = redis.client();
  const children: NodeChild[] = [];
  const flush = async () => {
    await admin.flushall();
  };
  try {
    // Baseline 1: raw BullMQ.
    const raw = async (mode: 'add' | 'addBulk') => {
      await flush();
      const child = startNode('bench/targets/raw-queue.ts', [redis.url, mode, String(seconds), String(CONNECTIONS)]);
      children.push(child);
      const r = await child.waitFor('result', (seconds + 60) * 1000);
      await child.stop();
      return r as { jobsPerSecond: number; p50: number; p99: number };
    };
    const add = await raw('add');
    log(`raw BullMQ add: ${fmt(add.jobsPerSecond)} jobs/s (p50 ${fmt(add.p50, 1)} ms, p99 ${fmt(add.p99, 1)} ms per call)`);
    const bulk = await raw('addBulk');
    log(`raw BullMQ addBulk(50): ${fmt(bulk.jobsPerSecond)} jobs/s (p50 ${fmt(bulk.p50, 1)} ms, p99 ${fmt(bulk.p99, 1)} ms per call)`);

    // Baseline 2: bare Hono.
    const bodies = { one: alertmanagerBody(1), fifty: alertmanagerBody(50) };
    const bare = startNode('bench/targets/bare-hono.ts', ['0']);
    children.push(bare);
    const barePort = Number((await bare.waitFor('ready')).port);
    const bareHono = await runLoad({ url: `http://127.0.0.1:${barePort}/hooks/alertmanager`, body: bodies.one, headers: json(), connections: CONNECTIONS, seconds, uniqueIds: true, tmpDir: tmp });
    await bare.stop();
    log(`bare Hono 200: ${fmt(bareHono.requestsPerSecond)} req/s (p50 ${bareHono.latencyMs.p50} ms, p99 ${bareHono.latencyMs.p99} ms)`);

    // alertworks receiver (role serve: no workers, so the queue only grows), as operators run it.
    await flush();
    const port = await freePort();
    writeFileSync(join(tmp, 'alertworks.yaml'), `redis: { url: "${redis.url}" }\nserver: { host: 127.0.0.1 }\nroutes:\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\n`);
    const profDir = process.env.BENCH_CPU_PROF;
    const receiver = startNode('src/cli.ts', ['serve', '--config', join(tmp, 'alertworks.yaml')], {
      env: { PORT: String(port), WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
      nodeFlags: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
      discardStdout: true,
    });
    children.push(receiver);
    const hook = `http://127.0.0.1:${port}/hooks/alertmanager`;
    await waitFor('alertworks receiver', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 30_000);
    const headers = { ...json(), authorization: `Bearer ${TOKEN}` };
    // Warm-up (JIT, connections), not measured.
    await runLoad({ url: hook, body: bodies.one, headers, connections: CONNECTIONS, seconds: 2, uniqueIds: true, tmpDir: tmp });
    await flush();
    const single = await runLoad({ url: hook, body: bodies.one, headers, connections: CONNECTIONS, seconds, uniqueIds: true, tmpDir: tmp });
    log(`ingest, 1 alert/request: ${fmt(single.requestsPerSecond)} alerts/s (p50 ${single.latencyMs.p50} ms, p99 ${single.latencyMs.p99} ms, non-2xx ${single.non2xx}, errors ${single.errors})`);
    await flush();
    const fifty = await runLoad({ url: hook, body: bodies.fifty, headers, connections: CONNECTIONS, seconds, uniqueIds: true, tmpDir: tmp });
    log(`ingest, 50 alerts/request: ${fmt(fifty.requestsPerSecond * 50)} alerts/s = ${fmt(fifty.requestsPerSecond)} req/s (p50 ${fifty.latencyMs.p50} ms, p99 ${fifty.latencyMs.p99} ms, non-2xx ${fifty.non2xx})`);

    // Duplicates: the very same 50-alert payload again and again (Alertmanager's re-sends).
    const dupBody = alertmanagerBody(50, 'dup');
    await fetch(hook, { method: 'POST', headers, body: dupBody });
    const duplicate = await runLoad({ url: hook, body: dupBody, headers, connections: CONNECTIONS, seconds: Math.max(3, seconds / 2), tmpDir: tmp });
    log(`duplicates, 50 alerts/request: ${fmt(duplicate.requestsPerSecond * 50)} alerts/s (p50 ${duplicate.latencyMs.p50} ms, p99 ${duplicate.latencyMs.p99} ms)`);

    // Receipt to job start at half the maximum single-alert load, with a worker running.
    await flush();
    const worker = startNode('bench/targets/noop-worker.ts', [redis.url]);
    children.push(worker);
    await worker.waitFor('ready');
    const rate = Math.max(10, Math.round(single.requestsPerSecond / 2));
    const load = await runLoad({ url: hook, body: bodies.one, headers, connections: CONNECTIONS, seconds, rate, uniqueIds: true, tmpDir: tmp });
    // Let the worker drain what was queued before reading its figures.
    await waitFor('worker to drain the queue', async () => (await admin.llen('{alertworks}:notify:wait')) === 0, 60_000, 200).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    worker.proc.kill('SIGTERM');
    const started = (await worker.waitFor('result', 20_000)) as { jobs: number; p50: number; p99: number; max: number };
    await worker.stop();
    await receiver.stop();
    log(`receipt -> job start at ${rate} alerts/s (${fmt(load.requestsPerSecond)} achieved): p50 ${started.p50} ms, p99 ${started.p99} ms, max ${started.max} ms over ${started.jobs} jobs`);

    const singleRatio = single.requestsPerSecond / add.jobsPerSecond;
    const targets: Target[] = [
      { name: 'single-alert ingest / raw BullMQ add', goal: '>= 70%', measured: pct(singleRatio), met: singleRatio >= 0.7 },
      { name: '50-alert payloads', goal: '>= 10,000 alerts/s', measured: `${fmt(fifty.requestsPerSecond * 50)} alerts/s`, met: fifty.requestsPerSecond * 50 >= 10_000 },
      { name: 'receipt -> job start p99 at half max load', goal: '< 50 ms', measured: `${started.p99} ms`, met: started.p99 < 50 },
    ];
    process.stdout.write(`\n${table(
      ['figure', 'value', 'p50 ms', 'p99 ms', 'ratio'],
      [
        ['baseline 1: raw BullMQ add (jobs/s)', fmt(add.jobsPerSecond), fmt(add.p50, 1), fmt(add.p99, 1), '1.00'],
        ['baseline 1: raw BullMQ addBulk(50) (jobs/s)', fmt(bulk.jobsPerSecond), fmt(bulk.p50, 1), fmt(bulk.p99, 1), '1.00'],
        ['baseline 2: bare Hono 200 (req/s)', fmt(bareHono.requestsPerSecond), String(bareHono.latencyMs.p50), String(bareHono.latencyMs.p99), '1.00'],
        ['ingest 1 alert/req (alerts/s)', fmt(single.requestsPerSecond), String(single.latencyMs.p50), String(single.latencyMs.p99), `${(singleRatio).toFixed(2)} of add, ${(single.requestsPerSecond / bareHono.requestsPerSecond).toFixed(2)} of bare Hono`],
        ['ingest 50 alerts/req (alerts/s)', fmt(fifty.requestsPerSecond * 50), String(fifty.latencyMs.p50), String(fifty.latencyMs.p99), `${((fifty.requestsPerSecond * 50) / bulk.jobsPerSecond).toFixed(2)} of addBulk`],
        ['duplicates 50 alerts/req (alerts/s)', fmt(duplicate.requestsPerSecond * 50), String(duplicate.latencyMs.p50), String(duplicate.latencyMs.p99), `${((duplicate.requestsPerSecond) / fifty.requestsPerSecond).toFixed(2)} of unique 50`],
        [`receipt -> job start at ${rate}/s (ms)`, `${started.jobs} jobs`, String(started.p50), String(started.p99), ''],
      ],
    )}\n\n${targetsTable(targets)}\n`);
    if (single.non2xx + fifty.non2xx + load.non2xx > 0) log(`WARNING: non-2xx answers: single ${single.non2xx}, fifty ${fifty.non2xx}, latency run ${load.non2xx}`);
    return { rawAdd: add.jobsPerSecond, rawAddBulk: bulk.jobsPerSecond, bareHono, single, fifty, duplicate, jobStart: { rate, load, ...started }, targets };
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    admin.disconnect();
    await redis.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function json(): Record<string, string> {
  return { 'content-type': 'application/json' };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchIngest();
}
