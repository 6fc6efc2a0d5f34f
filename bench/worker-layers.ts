/**
 * Where a notify job's CPU goes in the worker, without the Slack call: the same jobs (queued
 * with raw addBulk beforehand), drained by a raw BullMQ worker that builds the message and calls
 * a no-op notifier (raw), or by alertworks' worker (wrapProcessor + the notify action: thread
 * BEGIN/FINISH, audit record of the outcome, `job done` line, metrics, log context) with the same
 * no-op notifier (alertworks). Prints the process's CPU µs per job.
 *   npx tsx bench/worker-layers.ts raw|alertworks
 *   (LAYER_JOBS=5000; LAYER_LOG_LEVEL=info; LAYER_NO_AUDIT=1 leaves the outcome record out)
 */
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { RedisServer } from '../test/support/redis-server.js';
import { parseConfig } from '../src/config/load.js';
import { createRedis, waitForRedis } from '../src/redis.js';
import { defaultJobOptions } from '../src/queue/queues.js';
import { parsePayload } from '../src/server/alertmanager-payload.js';
import { alertMessage } from '../src/notify/alert-message.js';
import type { ChatNotifier } from '../src/notify/notifier.js';
import { IncidentThreads } from '../src/notify/threads.js';
import { startWorkers, type JobObserver } from '../src/runner/run-workers.js';
import { createLogger } from '../src/observability/logger.js';
import { createAuditTrail } from '../src/audit/create-audit-trail.js';
import { auditJob } from '../src/audit/job-audit.js';
import { notifyAction } from '../actions/notify.js';
import type { Action } from '../src/action.js';
import { alertmanagerBody } from './support/payload.js';

const JOBS = Number(process.env.LAYER_JOBS ?? 5000);
const mode = process.argv[2];
if (mode !== 'raw' && mode !== 'alertworks') throw new Error('usage: worker-layers.ts raw|alertworks');
const redis = await RedisServer.start();
const config = parseConfig(`redis: { url: "${redis.url}" }\njobs: { concurrency: 8 }\n`, 'bench', {});
const producer = createRedis(redis.url, 'producer', { coalesceWrites: false });
await waitForRedis(producer, 5000);
const queue = new Queue('notify', { connection: producer, prefix: config.redis.prefix, defaultJobOptions: defaultJobOptions(config) });
for (let b = 0; b < JOBS / 50; b++) {
  const parsed = parsePayload(JSON.parse(alertmanagerBody(50, `layers-${b}`)));
  if (!parsed.ok) throw new Error(parsed.reason);
  const { externalURL } = parsed.payload;
  await queue.addBulk(
    parsed.payload.alerts.map((alert) => ({
      name: 'notify',
      data: { alert, receiver: 'bench', externalURL, dedupKey: alert.fingerprint, receivedAt: Date.now() },
      opts: { jobId: alert.fingerprint },
    })),
  );
}

let posted = 0;
let drained!: () => void;
const allPosted = new Promise<void>((resolve) => (drained = resolve));
const notifier: ChatNotifier = {
  kind: 'bench',
  async post() {
    if (++posted === JOBS) drained();
    return { channel: 'C0BENCH', ts: `${posted}.000100` };
  },
  async update() {},
};

const cpu0 = process.cpuUsage();
if (mode === 'raw') {
  const worker = new Worker(
    'notify',
    async (job) => {
      const message = alertMessage(job.data.alert, job.data.externalURL);
      await notifier.post(message);
    },
    { connection: createRedis(redis.url, 'worker', { coalesceWrites: false }), prefix: config.redis.prefix, concurrency: 8 },
  );
  await allPosted;
  await worker.close();
} else {
  const logger = createLogger({ level: process.env.LAYER_LOG_LEVEL ?? 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const state = createRedis(config.redis, 'worker');
  const threads = new IncidentThreads(state, notifier, config.redis.prefix);
  const audit = createAuditTrail(state, config, logger);
  // As src/main.ts wires it (its guard ttl is the job's retention).
  const observer: JobObserver =
    process.env.LAYER_NO_AUDIT === '1' ? {} : { onJobResult: (info) => auditJob(audit, { ...info, guardTtlSeconds: 3600, routine: true }) };
  const workers = await startWorkers(config, [notifyAction as Action<unknown>], { config, redis: state, notifier, threads, logger, env: {} }, logger, observer);
  await allPosted;
  await workers.close(5000);
  state.disconnect();
}
const cpu = process.cpuUsage(cpu0);
console.log(mode, ((cpu.user + cpu.system) / JOBS).toFixed(1), 'µs CPU per job', `(${posted} posted)`);
await queue.close();
producer.disconnect();
await redis.destroy();
process.exit(0);
