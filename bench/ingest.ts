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
import { runLoad, type LoadOptions, type LoadResult } from './support/autocannon.js';
import { cpuProfileFlags, productNodeFlags, startNode, type NodeChild } from './support/child.js';
import { cpuSeconds } from './support/cpu.js';
import { alertmanagerBody } from './support/payload.js';
import { figureSeconds, fmt, pct, printHeader, table, targetsTable, type Target } from './support/report.js';

const TOKEN = 'bench-webhook-token-0123456789abcdef';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = figureSeconds();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIGHT_RATE = 50;
/** BENCH_WORKER_CPU_PROF=DIR profiles the job-start worker(s) with --cpu-prof. */
const workerProf = cpuProfileFlags(process.env.BENCH_WORKER_CPU_PROF);
const workerEnv: Record<string, string> = process.env.BENCH_WORKER_CONCURRENCY ? { BENCH_WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY } : {};

interface JobStart {
  rate: number;
  load: LoadResult;
  jobs: number;
  p50: number;
  p99: number;
  max: number;
  workerCores: number;
}

interface RawResult {
  jobsPerSecond: number;
  /** CPU time of the producing process per job stored. */
  cpuMicrosPerJob: number;
  p50: number;
  p99: number;
}
type Measured = LoadResult & { cpuMicrosPerRequest: number };
interface Round {
  add: RawResult;
  bulk: RawResult;
  bareHono: Measured;
  single: Measured;
  fifty: Measured;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The round with the median throughput (its latencies belong to it). */
function medianLoad(results: readonly LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? results[0]!;
}

export interface IngestFigures {
  cpu: Record<'add' | 'bulk' | 'bare' | 'single' | 'fifty', number>;
  rawAdd: number;
  rawAddBulk: number;
  bareHono: LoadResult;
  single: LoadResult;
  fifty: LoadResult;
  duplicate: LoadResult;
  jobStart: JobStart;
  jobStartLight: JobStart;
  rawJobStart: { jobs: number; p50: number; p99: number; max: number };
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
    const raw = async (mode: 'add' | 'addBulk') => {
      await flush();
      const child = startNode('bench/targets/raw-queue.ts', [redis.url, mode, String(seconds), String(CONNECTIONS)]);
      children.push(child);
      const r = await child.waitFor('result', (seconds + 60) * 1000);
      await child.stop();
      return r as unknown as RawResult;
    };
    const bodies = { one: alertmanagerBody(1), fifty: alertmanagerBody(50) };
    const bare = startNode('bench/targets/bare-hono.ts', ['0']);
    children.push(bare);
    const barePort = Number((await bare.waitFor('ready')).port);

    // alertworks receiver (role serve: no workers, so the queue only grows), as operators run it.
    const port = await freePort();
    writeFileSync(
      join(tmp, 'alertworks.yaml'),
      `redis: { url: "${redis.url}" }\nserver: { host: 127.0.0.1 }\nroutes:\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\n`,
    );
    const profDir = process.env.BENCH_CPU_PROF;
    const receiver = startNode('src/cli.ts', ['serve', '--config', join(tmp, 'alertworks.yaml')], {
      env: { PORT: String(port), WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
      nodeFlags: [...productNodeFlags(), ...cpuProfileFlags(profDir)],
      discardStdout: true,
    });
    children.push(receiver);
    const hook = `http://127.0.0.1:${port}/hooks/alertmanager`;
    await waitFor('alertworks receiver', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 30_000);
    const headers = { ...json(), authorization: `Bearer ${TOKEN}` };
    const load = (url: string, body: string, extra: Partial<LoadOptions> = {}) =>
      runLoad({ url, body, headers, connections: CONNECTIONS, seconds, uniqueIds: true, tmpDir: tmp, ...extra });
    // CPU seconds the server process spent per answered request: steadier than throughput on a
    // shared machine, because time spent waiting for a core does not count.
    const measured = async (pid: number, url: string, body: string): Promise<Measured> => {
      const cpu0 = cpuSeconds(pid);
      const r = await load(url, body);
      return { ...r, cpuMicrosPerRequest: ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, r.ok + r.non2xx) };
    };
    // Warm-up (JIT, connections), not measured.
    await load(hook, bodies.one, { seconds: 2 });
    await load(`http://127.0.0.1:${barePort}/hooks/alertmanager`, bodies.one, { seconds: 1 });

    // Baselines and subjects alternate, round after round, so that a burst of load from other
    // tenants of the machine hits both sides of a ratio; each ratio is taken within its round.
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const add = await raw('add');
      await flush();
      const single = await measured(receiver.proc.pid!, hook, bodies.one);
      const bareHono = await measured(bare.proc.pid!, `http://127.0.0.1:${barePort}/hooks/alertmanager`, bodies.one);
      const bulk = await raw('addBulk');
      await flush();
      const fifty = await measured(receiver.proc.pid!, hook, bodies.fifty);
      await flush();
      rounds.push({ add, bulk, bareHono, single, fifty });
      log(
        `round ${i + 1}/${ROUNDS}: raw add ${fmt(add.jobsPerSecond)} jobs/s | ingest 1 ${fmt(single.requestsPerSecond)} alerts/s (${pct(single.requestsPerSecond / add.jobsPerSecond)} of add) | ` +
          `bare Hono ${fmt(bareHono.requestsPerSecond)} req/s | raw addBulk(50) ${fmt(bulk.jobsPerSecond)} jobs/s | ingest 50 ${fmt(fifty.requestsPerSecond * 50)} alerts/s` +
          (single.non2xx + fifty.non2xx > 0 ? ` | non-2xx ${single.non2xx + fifty.non2xx}` : ''),
      );
    }
    const med = (f: (r: Round) => number) => median(rounds.map(f));
    const add = { jobsPerSecond: med((r) => r.add.jobsPerSecond), p50: med((r) => r.add.p50), p99: med((r) => r.add.p99) };
    const bulk = { jobsPerSecond: med((r) => r.bulk.jobsPerSecond), p50: med((r) => r.bulk.p50), p99: med((r) => r.bulk.p99) };
    const bareHono = medianLoad(rounds.map((r) => r.bareHono));
    const single = medianLoad(rounds.map((r) => r.single));
    const fifty = medianLoad(rounds.map((r) => r.fifty));
    const singleRatio = med((r) => r.single.requestsPerSecond / r.add.jobsPerSecond);
    const bareRatio = med((r) => r.single.requestsPerSecond / r.bareHono.requestsPerSecond);
    const fiftyRatio = med((r) => (r.fifty.requestsPerSecond * 50) / r.bulk.jobsPerSecond);
    const cpu = {
      add: med((r) => r.add.cpuMicrosPerJob),
      bulk: med((r) => r.bulk.cpuMicrosPerJob),
      bare: med((r) => r.bareHono.cpuMicrosPerRequest),
      single: med((r) => r.single.cpuMicrosPerRequest),
      fifty: med((r) => r.fifty.cpuMicrosPerRequest / 50),
    };

    // Duplicates: the very same 50-alert payload again and again (Alertmanager's re-sends).
    const dupBody = alertmanagerBody(50, 'dup');
    await fetch(hook, { method: 'POST', headers, body: dupBody });
    const duplicate = await load(hook, dupBody, { uniqueIds: false });
    log(
      `duplicates, 50 alerts/request: ${fmt(duplicate.requestsPerSecond * 50)} alerts/s (p50 ${duplicate.latencyMs.p50} ms, p99 ${duplicate.latencyMs.p99} ms)`,
    );

    // Receipt to job start at half the maximum single-alert load, with a worker running; and
    // at a light load, for the floor. The worker's CPU use tells whether it kept up.
    const jobStart = async (rate: number) => {
      await flush();
      const worker = startNode('bench/targets/noop-worker.ts', [redis.url], { env: workerEnv, nodeFlags: workerProf });
      children.push(worker);
      await worker.waitFor('ready');
      const cpu0 = cpuSeconds(worker.proc.pid!);
      const t0 = Date.now();
      const sent = await load(hook, bodies.one, { rate });
      // Let the worker drain what was queued before reading its figures.
      await waitFor('worker to drain the queue', async () => (await admin.llen('{alertworks}:notify:wait')) === 0, 60_000, 100).catch(() => undefined);
      const workerCores = (cpuSeconds(worker.proc.pid!) - cpu0) / ((Date.now() - t0) / 1000);
      await new Promise((r) => setTimeout(r, 300));
      worker.proc.kill('SIGTERM');
      const r = (await worker.waitFor('result', 20_000)) as { jobs: number; p50: number; p99: number; max: number };
      await worker.stop();
      log(
        `receipt -> job start at ${rate} alerts/s (${fmt(sent.requestsPerSecond)} achieved): p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms over ${r.jobs} jobs; worker used ${workerCores.toFixed(2)} cores`,
      );
      return { ...r, rate, load: sent, workerCores };
    };
    // Baseline 3: raw BullMQ add -> the same worker, at the light rate: the hand-off floor of
    // this machine (on a busy machine every hop waits for a core).
    const rawJobStart = async () => {
      await flush();
      const worker = startNode('bench/targets/noop-worker.ts', [redis.url], { env: workerEnv, nodeFlags: workerProf });
      children.push(worker);
      await worker.waitFor('ready');
      const producer = startNode('bench/targets/raw-queue.ts', [redis.url, 'paced', String(seconds), String(LIGHT_RATE)]);
      children.push(producer);
      await producer.waitFor('result', (seconds + 60) * 1000);
      await waitFor('worker to drain the queue', async () => (await admin.llen('{alertworks}:notify:wait')) === 0, 60_000, 100).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      worker.proc.kill('SIGTERM');
      const r = (await worker.waitFor('result', 20_000)) as { jobs: number; p50: number; p99: number; max: number };
      await worker.stop();
      log(`raw BullMQ add -> job start at ${LIGHT_RATE} jobs/s: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms over ${r.jobs} jobs`);
      return r;
    };
    const rate = Math.max(10, Math.round(single.requestsPerSecond / 2));
    // BENCH_INGEST_THROUGHPUT_ONLY=1 skips the receipt -> job start figures (half the run).
    const skipLatency = process.env.BENCH_INGEST_THROUGHPUT_ONLY === '1';
    const none = { jobs: 0, p50: NaN, p99: NaN, max: NaN };
    const started = skipLatency ? { ...none, rate, load: duplicate, workerCores: NaN } : await jobStart(rate);
    const light = skipLatency ? { ...none, rate: LIGHT_RATE, load: duplicate, workerCores: NaN } : await jobStart(LIGHT_RATE);
    const rawStart = skipLatency ? none : await rawJobStart();
    await receiver.stop();

    // The floor of a webhook: a bare HTTP handler plus one raw add, in server CPU per webhook.
    const floorRatio = med((r) => r.single.cpuMicrosPerRequest / (r.bareHono.cpuMicrosPerRequest + r.add.cpuMicrosPerJob));
    const fiftyFloorRatio = med((r) => r.fifty.cpuMicrosPerRequest / (r.bareHono.cpuMicrosPerRequest + 50 * r.bulk.cpuMicrosPerJob));
    log(
      `floor (bare Hono + raw add, CPU per webhook): 1 alert ${fmt(cpu.bare + cpu.add)} µs, receiver ${fmt(cpu.single)} µs = ${floorRatio.toFixed(2)}x; ` +
        `50 alerts ${fmt(cpu.bare + 50 * cpu.bulk)} µs, receiver ${fmt(cpu.fifty * 50)} µs = ${fiftyFloorRatio.toFixed(2)}x`,
    );
    const targets: Target[] = [
      { name: 'single-alert webhook CPU / floor (bare Hono + raw add)', goal: '<= 1.5x', measured: `${floorRatio.toFixed(2)}x`, met: floorRatio <= 1.5 },
      { name: '50-alert ingest throughput / raw addBulk', goal: '>= 0.8', measured: fiftyRatio.toFixed(2), met: fiftyRatio >= 0.8 },
      { name: 'single-alert ingest / raw BullMQ add', goal: '>= 70%', measured: pct(singleRatio), met: singleRatio >= 0.7 },
      {
        name: '50-alert payloads',
        goal: '>= 10,000 alerts/s',
        measured: `${fmt(fifty.requestsPerSecond * 50)} alerts/s`,
        met: fifty.requestsPerSecond * 50 >= 10_000,
      },
      { name: 'receipt -> job start p99 at half max load', goal: '< 50 ms', measured: `${started.p99} ms`, met: skipLatency ? undefined : started.p99 < 50 },
    ];
    process.stdout.write(
      `\n${table(
        ['figure', 'value (median of rounds)', 'p50 ms', 'p99 ms', 'CPU µs per alert (server process)', 'ratio (median of per-round ratios)'],
        [
          ['baseline 1: raw BullMQ add (jobs/s)', fmt(add.jobsPerSecond), fmt(add.p50, 1), fmt(add.p99, 1), `${fmt(cpu.add)} (producer)`, '1.00'],
          ['baseline 1: raw BullMQ addBulk(50) (jobs/s)', fmt(bulk.jobsPerSecond), fmt(bulk.p50, 1), fmt(bulk.p99, 1), `${fmt(cpu.bulk)} (producer)`, '1.00'],
          [
            'baseline 2: bare Hono 200 (req/s)',
            fmt(bareHono.requestsPerSecond),
            String(bareHono.latencyMs.p50),
            String(bareHono.latencyMs.p99),
            `${fmt(cpu.bare)} per request`,
            '1.00',
          ],
          [
            'ingest 1 alert/req (alerts/s)',
            fmt(single.requestsPerSecond),
            String(single.latencyMs.p50),
            String(single.latencyMs.p99),
            fmt(cpu.single),
            `${singleRatio.toFixed(2)} of add, ${bareRatio.toFixed(2)} of bare Hono`,
          ],
          [
            'ingest 50 alerts/req (alerts/s)',
            fmt(fifty.requestsPerSecond * 50),
            String(fifty.latencyMs.p50),
            String(fifty.latencyMs.p99),
            fmt(cpu.fifty),
            `${fiftyRatio.toFixed(2)} of addBulk`,
          ],
          [
            'duplicates 50 alerts/req (alerts/s)',
            fmt(duplicate.requestsPerSecond * 50),
            String(duplicate.latencyMs.p50),
            String(duplicate.latencyMs.p99),
            '',
            `${(duplicate.requestsPerSecond / fifty.requestsPerSecond).toFixed(2)} of unique 50`,
          ],
          [
            `receipt -> job start at ${rate}/s (ms)`,
            `${started.jobs} jobs`,
            String(started.p50),
            String(started.p99),
            `worker ${started.workerCores.toFixed(2)} cores`,
            '',
          ],
          [
            `receipt -> job start at ${LIGHT_RATE}/s (ms)`,
            `${light.jobs} jobs`,
            String(light.p50),
            String(light.p99),
            `worker ${light.workerCores.toFixed(2)} cores`,
            `p99 ${(light.p99 / Math.max(1, rawStart.p99)).toFixed(2)}x raw`,
          ],
          [`baseline 3: raw add -> job start at ${LIGHT_RATE}/s (ms)`, `${rawStart.jobs} jobs`, String(rawStart.p50), String(rawStart.p99), '', '1.00'],
        ],
      )}\n\n${targetsTable(targets)}\n`,
    );
    if (single.non2xx + fifty.non2xx + (skipLatency ? 0 : started.load.non2xx) > 0)
      log(`WARNING: non-2xx answers: single ${single.non2xx}, fifty ${fifty.non2xx}, latency run ${started.load.non2xx}`);
    return {
      cpu,
      rawAdd: add.jobsPerSecond,
      rawAddBulk: bulk.jobsPerSecond,
      bareHono,
      single,
      fifty,
      duplicate,
      jobStart: started,
      jobStartLight: light,
      rawJobStart: rawStart,
      targets,
    };
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
  process.exit(0);
}
