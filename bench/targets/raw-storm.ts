/**
 * Baseline of the storm benchmark: a raw BullMQ producer and worker in one process, the same
 * Slack call per job as the notify action makes (chat.postMessage through @slack/web-api with
 * the product's message), the same worker concurrency, and no other work.
 * Tells `started` (epoch ms) once its worker listens, just before the first add.
 * Usage: raw-storm.ts REDIS_URL SLACK_API_URL SLACK_TOKEN WEBHOOKS ALERTS_PER_WEBHOOK CONCURRENCY
 */
import { Queue, Worker } from 'bullmq';
import { LogLevel, WebClient } from '@slack/web-api';
import { parseConfig } from '../../src/config/load.js';
import { alertMessage } from '../../src/notify/alert-message.js';
import { defaultJobOptions } from '../../src/queue/queues.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { parsePayload } from '../../src/server/alertmanager-payload.js';
import type { AlertJobData } from '../../src/action.js';
import { alertmanagerBody } from '../support/payload.js';
import { tell } from '../support/child.js';

const [url = '', apiUrl = '', token = '', webhooksArg = '200', perArg = '50', concurrencyArg = '8'] = process.argv.slice(2);
const config = parseConfig(`redis: { url: "${url}" }\n`, 'bench', {});
// BullMQ as it ships: the product's write coalescing (src/redis.ts) is left out of the baseline.
const producer = createRedis(url, 'producer', { coalesceWrites: false });
const workerRedis = createRedis(url, 'worker', { coalesceWrites: false });
await waitForRedis(producer, 10_000);
const queue = new Queue('notify', {
  connection: producer,
  prefix: config.redis.prefix,
  defaultJobOptions: defaultJobOptions(config),
  skipWaitingForReady: true,
});
const slack = new WebClient(token, {
  slackApiUrl: apiUrl,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
  logLevel: LogLevel.ERROR,
});
const worker = new Worker<AlertJobData>(
  'notify',
  async (job) => {
    const message = alertMessage(job.data.alert, job.data.externalURL);
    await slack.chat.postMessage({ channel: '#ops', text: message.text, blocks: message.blocks as never, unfurl_links: false });
  },
  { connection: workerRedis, prefix: config.redis.prefix, concurrency: Number(concurrencyArg) },
);
await worker.waitUntilReady();
const batches = Array.from({ length: Number(webhooksArg) }, (_, i) => {
  const parsed = parsePayload(JSON.parse(alertmanagerBody(Number(perArg), `raw-${i}`)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload.alerts.map((alert) => {
    const id = `${alert.fingerprint}`;
    const data: AlertJobData = { alert, receiver: parsed.payload.receiver, externalURL: parsed.payload.externalURL, dedupKey: id, receivedAt: Date.now() };
    return { name: 'notify', data, opts: { jobId: id } };
  });
});
tell('started', { at: Date.now() });
for (const batch of batches) await queue.addBulk(batch);
tell('stored', { at: Date.now() });
process.on('SIGTERM', () => void Promise.allSettled([worker.close(), queue.close()]).then(() => process.exit(0)));
