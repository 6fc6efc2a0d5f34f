import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { logger } from '../../src/observability/logger.js';
import { createRedis } from '../../src/redis.js';
import { readCheckStates } from '../../checks/check-state.js';
import { CHECKS_QUEUE, startCheckScheduler, type RunningCheckScheduler } from '../../checks/scheduler.js';
import { CheckHistory } from '../../src/history/check-history.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/ports.js';
import { ScriptedServer } from '../support/check-targets.js';

let redisServer: RedisServer;
let target: ScriptedServer;

beforeAll(async () => {
  [redisServer, target] = await Promise.all([RedisServer.start(), ScriptedServer.start()]);
  target.handler = async (req, res) => {
    if (req.url === '/slow') await new Promise((r) => setTimeout(r, 2500));
    res.end('ok');
  };
});
afterAll(async () => {
  await Promise.all([redisServer.destroy(), target.stop()]);
});

function configWith(prefix: string, checks: string) {
  return parseConfig(`redis: { url: "${redisServer.url}", prefix: "${prefix}" }\ncheckRunner: { concurrency: 4 }\nchecks:\n${checks}`, 'test.yaml', {});
}

function replica(config: ReturnType<typeof configWith>, runs: { check: string; scheduledAt: number; startedAt: number }[]): Promise<RunningCheckScheduler> {
  const redis = createRedis(config.redis.url, 'worker');
  const threads = new IncidentThreads(redis, new LogNotifier(logger, '#ops'), config.redis.prefix);
  return startCheckScheduler({ config, redis, threads, logger, onRunStart: (r) => runs.push(r) }).then(async (s) => ({
    ...(await s.synced.then(() => s)),
    close: async () => {
      await s.close();
      await redis.quit();
    },
  }));
}

describe('check scheduler', () => {
  it('two replicas: one schedule per check, each run done once; a slow check delays no other; a check leaving the config loses its schedule', async () => {
    const prefix = '{sched}';
    const config = configWith(
      prefix,
      `  - { name: fast, type: http, url: "${target.url('/fast')}", interval: 500ms }
  - { name: slow, type: http, url: "${target.url('/slow')}", interval: 1s, timeout: 1s }
  - { name: gone, type: tcp, target: "127.0.0.1:${target.port}", interval: 1s }
`,
    );
    const runs: { check: string; scheduledAt: number; startedAt: number }[] = [];
    const [a, b] = [await replica(config, runs), await replica(config, runs)];
    try {
      expect((await a.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(['check:fast', 'check:gone', 'check:slow']);
      await waitFor('6 fast runs', () => runs.filter((r) => r.check === 'fast').length >= 6, 20_000);

      const keys = runs.map((r) => `${r.check}@${r.scheduledAt}`);
      expect(new Set(keys).size).toBe(keys.length);
      // While slow probes hang for their whole timeout, fast runs still start about on time.
      const fastDelays = runs.filter((r) => r.check === 'fast').map((r) => r.startedAt - r.scheduledAt);
      expect(Math.max(...fastDelays)).toBeLessThan(1000);
      const redis = createRedis(redisServer.url, 'worker');
      const states = await waitFor(
        'slow down, others up',
        async () => {
          const s = await readCheckStates(redis, prefix, ['fast', 'slow', 'gone']);
          return s.map((x) => x.state).join() === 'up,down,up' ? s : undefined;
        },
        15_000,
      );
      await redis.quit();
      expect(states[1]).toMatchObject({ lastReason: 'timeout' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }

    const smaller = configWith(
      prefix,
      `  - { name: fast, type: http, url: "${target.url('/fast')}", interval: 500ms }\n  - { name: slow, type: http, url: "${target.url('/slow')}", interval: 1s, timeout: 1s }\n`,
    );
    const c = await replica(smaller, []);
    try {
      expect((await c.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(['check:fast', 'check:slow']);
      // Its history went with it; the others keep theirs.
      const redis = createRedis(redisServer.url, 'worker');
      const history = new CheckHistory(redis, prefix);
      expect([await redis.exists(history.key('gone', 'meta'), history.key('gone', 'fine')), await redis.exists(history.key('fast', 'meta'))]).toEqual([0, 1]);
      await redis.quit();
    } finally {
      await c.close();
    }
  });

  it('the work role starts the check scheduler and stops it cleanly', async () => {
    const config = configWith('{role}', `  - { name: web, type: http, url: "${target.url('/fast')}", interval: 300ms }\n`);
    const service = await run({ role: 'work', config, logger, env: {} });
    const redis = createRedis(redisServer.url, 'worker');
    try {
      await waitFor('web up', async () => (await readCheckStates(redis, '{role}', ['web']))[0]?.state === 'up', 15_000);
    } finally {
      await service.stop();
    }
    const queue = new Queue(CHECKS_QUEUE, { connection: redis, prefix: '{role}' });
    expect(await queue.getJobSchedulersCount()).toBe(1);
    await queue.close();
    await redis.quit();
  });
});
