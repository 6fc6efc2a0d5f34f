import { Writable } from 'node:stream';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secret } from '../../src/config/field-marks.js';
import { parseConfig } from '../../src/config/load.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { createLogger } from '../../src/observability/logger.js';
import { alertSchema } from '../../src/server/alertmanager-payload.js';
import { clearSecrets } from '../../src/observability/redact.js';
import { closeRedis, createRedis, type RedisClient } from '../../src/redis.js';
import { startWorkers, type RunningWorkers } from '../../src/runner/run-workers.js';
import { defineAction, type Action, type AlertJobData } from '../../src/action.js';
import { actions } from '../../actions/registry.js';
import { RedisServer } from '../support/redis-server.js';

/**
 * A new action with a credential, defined and registered here only: its worker gets its
 * settings and credentials from the config the registries built, and what it logs about its
 * credential is redacted, with no line added anywhere else in the code.
 */
const pagerAction = defineAction({
  name: 'pager-escalate',
  description: 'test-only: escalate to a pager service',
  settings: { key: 'pagerEscalate', schema: z.strictObject({ urgency: z.enum(['high', 'low']).default('high') }) },
  credentials: { pager: z.strictObject({ apiKey: secret(z.string().optional(), { env: 'PAGER_API_KEY' }) }).prefault({}) },
  create:
    ({ settings, credentials, logger }) =>
    async (job) => {
      logger.info({ alert: job.data.alert.labels.alertname }, `paging with key ${credentials.pager.apiKey}`);
      return { outcome: 'paged', urgency: settings.urgency, keyLength: credentials.pager.apiKey?.length ?? 0 };
    },
});

const API_KEY = 'pager-runtime-key-Hd72kq';

describe('a test-only action with a credential, run by the real worker runner', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let workers: RunningWorkers | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    clearSecrets();
    server = await RedisServer.start();
    redis = createRedis(server.url, 'worker');
  });
  afterAll(async () => {
    await workers?.close(2_000);
    await closeRedis(redis);
    await server.destroy();
  });

  it('gets its parsed settings and credentials, and its log lines never show the key', async () => {
    const registered: readonly Action[] = [...actions, pagerAction];
    const config = parseConfig(`redis: { url: "${server.url}" }\npagerEscalate: { urgency: low }\n`, 'pager.yaml', { PAGER_API_KEY: API_KEY }, registered);
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const notifier = new LogNotifier(logger, '#ops');
    workers = await startWorkers(
      config,
      [pagerAction],
      { config, redis, notifier, threads: new IncidentThreads(redis, notifier, config.redis.prefix), logger, env: {} },
      logger,
    );

    const queue = new Queue<AlertJobData>(pagerAction.name, { connection: redis, prefix: config.redis.prefix });
    const events = new QueueEvents(pagerAction.name, { connection: createRedis(server.url, 'worker'), prefix: config.redis.prefix });
    try {
      await events.waitUntilReady();
      const alert = alertSchema.parse({ status: 'firing', labels: { alertname: 'DiskFull' }, startsAt: new Date().toISOString() });
      const job = await queue.add('alert', { alert: { ...alert, fingerprint: 'fp1' }, receiver: 'r', dedupKey: 'k1', receivedAt: Date.now() });
      expect(await job.waitUntilFinished(events, 20_000)).toEqual({ outcome: 'paged', urgency: 'low', keyLength: API_KEY.length });
    } finally {
      await queue.close();
      await events.close();
    }
    const paging = lines.filter((l) => l.includes('paging with key'));
    expect(paging).toHaveLength(1);
    expect(paging[0]).toContain('paging with key [REDACTED]');
    expect(lines.join('\n')).not.toContain(API_KEY);
  });
});
