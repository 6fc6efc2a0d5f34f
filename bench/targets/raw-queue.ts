/**
 * Baseline 1: raw BullMQ throughput, as its own process. `add` (one job per call) or
 * `addBulk` (50 per call), with the same job options, connection settings and job data size
 * as the receiver uses, `concurrency` calls in flight, for `seconds`.
 * `paced` adds one job at a time at RATE per second (receivedAt = the moment of the add): the
 * baseline for receipt-to-job-start latency.
 * Usage: raw-queue.ts REDIS_URL add|addBulk SECONDS CONCURRENCY
 *        raw-queue.ts REDIS_URL paced SECONDS RATE
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { parseConfig } from '../../src/config/load.js';
import { defaultJobOptions } from '../../src/queue/queues.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import type { AlertJobData } from '../../src/action.js';
import { parsePayload } from '../../src/server/alertmanager-payload.js';
import { alertmanagerBody } from '../support/payload.js';
import { percentile } from '../support/report.js';
import { tell } from '../support/child.js';

const [url = '', mode = 'add', secondsArg = '8', concurrencyArg = '32'] = process.argv.slice(2);
const BULK = 50;

const config = parseConfig(`redis: { url: "${url}" }\n`, 'bench', {});
// BullMQ as it ships: the product's write coalescing (src/redis.ts) is left out of the floor.
const connection = createRedis(url, 'producer', { coalesceWrites: false });
await waitForRedis(connection, 10_000);
const queue = new Queue('notify', { connection, prefix: config.redis.prefix, defaultJobOptions: defaultJobOptions(config), skipWaitingForReady: true });

const parsed = parsePayload(JSON.parse(alertmanagerBody(1, 'template')));
if (!parsed.ok) throw new Error(parsed.reason);
const template = parsed.payload.alerts[0]!;
const jobData = (id: string): AlertJobData => ({
  alert: { ...template, fingerprint: id },
  receiver: 'alertworks',
  externalURL: parsed.payload.externalURL,
  dedupKey: id,
  receivedAt: Date.now(),
});

if (mode === 'paced') {
  const rate = Number(concurrencyArg);
  const total = Math.round(rate * Number(secondsArg));
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = randomUUID();
    pending.push(queue.add('notify', jobData(id), { jobId: id }));
  }
  await Promise.all(pending);
  tell('result', { mode, jobs: total, seconds: (Date.now() - t0) / 1000 });
  await queue.close();
  connection.disconnect();
  process.exit(0);
}

const end = Date.now() + Number(secondsArg) * 1000;
const latencies: number[] = [];
let jobs = 0;
const started = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      if (mode === 'addBulk') {
        await queue.addBulk(
          Array.from({ length: BULK }, () => {
            const id = randomUUID();
            return { name: 'notify', data: jobData(id), opts: { jobId: id } };
          }),
        );
        jobs += BULK;
      } else {
        const id = randomUUID();
        await queue.add('notify', jobData(id), { jobId: id });
        jobs += 1;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuMicrosPerJob = (cpu.user + cpu.system) / jobs;
tell('result', {
  mode,
  jobs,
  seconds,
  jobsPerSecond: jobs / seconds,
  callsPerSecond: latencies.length / seconds,
  p50: percentile(latencies, 50),
  p99: percentile(latencies, 99),
  cpuMicrosPerJob,
});
await queue.close();
connection.disconnect();
