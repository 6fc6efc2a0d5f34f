import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { logger } from '../../src/observability/logger.js';
import { createRedis } from '../../src/redis.js';
import { CHECKS_QUEUE, startCheckScheduler, type RunningCheckScheduler } from '../../checks/scheduler.js';
import { checkGeneration, ScheduleOwnership } from '../../checks/schedule-owner.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { ScriptedServer } from '../support/check-targets.js';
import { waitFor } from '../support/ports.js';

let redisServer: RedisServer;
let target: ScriptedServer;
let slack: FakeSlack;

beforeAll(async () => {
  [redisServer, target, slack] = await Promise.all([RedisServer.start(), ScriptedServer.start(), new FakeSlack().start()]);
});
afterAll(async () => {
  await Promise.all([redisServer.destroy(), target.stop(), slack.stop()]);
});

function configText(prefix: string, checks: string[], extra = ''): string {
  const lines = checks.map((name) => `  - { name: ${name}, type: http, url: "${target.url(`/${name}`)}", interval: 400ms }`);
  return `redis: { url: "${redisServer.url}", prefix: "${prefix}" }\nserver: { host: 127.0.0.1 }\ncheckRunner: { resyncInterval: 300ms${extra} }\nchecks:\n${lines.join('\n')}\n`;
}

async function inProcessReplica(text: string): Promise<RunningCheckScheduler> {
  const config = parseConfig(text, 'test.yaml', {});
  const redis = createRedis(config.redis.url, 'worker');
  const threads = new IncidentThreads(redis, new LogNotifier(logger, '#ops'), config.redis.prefix);
  const s = await startCheckScheduler({ config, redis, threads, logger });
  await s.synced;
  return {
    ...s,
    close: async () => {
      await s.close();
      await redis.quit();
    },
  };
}

async function schedulerKeys(prefix: string): Promise<string[]> {
  const redis = createRedis(redisServer.url, 'worker');
  const queue = new Queue(CHECKS_QUEUE, { connection: redis, prefix });
  try {
    return (await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();
  } finally {
    await queue.close();
    await redis.quit();
  }
}

const hits = (name: string) => target.requests.filter((r) => r.url === `/${name}`).length;

describe('replicas with different check configs', () => {
  it("a work replica with another config leaves the owners' schedules intact, reports the mismatch (error log, metric, Slack once), and takes over once they are gone", async () => {
    const prefix = '{owners}';
    const owner = await inProcessReplica(configText(prefix, ['api', 'web']));
    let other: ServiceProcess | undefined;
    try {
      expect(await schedulerKeys(prefix)).toEqual(['check:api', 'check:web']);
      other = await ServiceProcess.start({
        role: 'work',
        config: configText(prefix, ['db']),
        env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
      });
      const service = other;

      const reported = await waitFor(
        'the mismatch to be logged as an error',
        () => service.logs.find((l) => l.level === 'error' && /check config differs/.test(String(l.msg))),
        15_000,
        50,
      );
      expect(owner.keeper?.generation).toBe(checkGeneration(parseConfig(configText(prefix, ['api', 'web']), 't.yaml', {}).checks));
      expect(reported).toMatchObject({ owner: owner.keeper?.generation, onlyHere: ['db'], onlyThere: ['api', 'web'] });
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/^alertworks_check_config_mismatch 1$/m);

      // Many resyncs later: the owners' schedules and runs go on, the other config's check never ran.
      const [apiBefore, webBefore] = [hits('api'), hits('web')];
      await waitFor("the owners' checks to keep running", () => hits('api') >= apiBefore + 4 && hits('web') >= webBefore + 4, 15_000, 50);
      expect(await schedulerKeys(prefix)).toEqual(['check:api', 'check:web']);
      expect(hits('db')).toBe(0);
      const said = slack.messages.filter((m) => /another check config/.test(m.text));
      expect(said).toHaveLength(1);
      expect(said[0]!.text).toContain('`db`');

      // The owning replica stops cleanly (a rolling deploy): the new config takes over at once.
      await owner.close();
      await waitFor('the other config to own the schedules', async () => (await schedulerKeys(prefix)).join() === 'check:db', 10_000, 50);
      await waitFor('its check to run', () => hits('db') > 0, 10_000, 50);
      expect(await (await fetch(`${service.url}/metrics`)).text()).toMatch(/^alertworks_check_config_mismatch 0$/m);
    } finally {
      await owner.close().catch(() => undefined);
      await other?.stop();
    }
  });

  it('checkRunner.takeOverSchedules takes the schedules over from live replicas of another config', async () => {
    const prefix = '{takeover}';
    const first = await inProcessReplica(configText(prefix, ['old']));
    try {
      expect(await schedulerKeys(prefix)).toEqual(['check:old']);
      const second = await inProcessReplica(configText(prefix, ['new'], ', takeOverSchedules: true'));
      try {
        expect(second.keeper?.owning).toBe(true);
        expect(await schedulerKeys(prefix)).toEqual(['check:new']);
        // The replaced one notices at its next sync, stops running checks and removes nothing.
        await waitFor('the first replica to step back', () => first.keeper?.owning === false, 5_000, 50);
        expect(await schedulerKeys(prefix)).toEqual(['check:new']);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('ownership: same generation joins, another waits while the owners live, and claims once their heartbeats expire', async () => {
    const redis = createRedis(redisServer.url, 'worker');
    try {
      const a = new ScheduleOwnership(redis, '{own}');
      const b = new ScheduleOwnership(redis, '{own}');
      const c = new ScheduleOwnership(redis, '{own}');
      const t = 1_000_000;
      expect(await a.claim('gen-1', ['x'], 1_000, false, t)).toEqual({ owner: true, previous: '' });
      expect(await b.claim('gen-1', ['x'], 1_000, false, t)).toEqual({ owner: true, previous: 'gen-1' });
      expect(await c.claim('gen-2', ['y'], 1_000, false, t + 500)).toEqual({ owner: false, generation: 'gen-1', checks: ['x'], replicas: 2 });
      // Both heartbeats are older than their ttl: nobody of gen-1 is left.
      expect(await c.claim('gen-2', ['y'], 1_000, false, t + 1_001)).toEqual({ owner: true, previous: 'gen-1' });
      expect(await a.claim('gen-1', ['x'], 1_000, false, t + 1_002)).toMatchObject({ owner: false, generation: 'gen-2', replicas: 1 });
      await c.release();
      expect(await a.claim('gen-1', ['x'], 1_000, false, t + 1_003)).toEqual({ owner: true, previous: 'gen-2' });
    } finally {
      await redis.quit();
    }
  });
});
