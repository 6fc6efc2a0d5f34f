import type { RedisClient } from '../../src/redis.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/schema.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import type { ChatNotifier } from '../../src/notify/notifier.js';
import { SlackNotifier } from '../../src/notify/slack-notifier.js';
import { logger } from '../../src/observability/logger.js';
import { registry } from '../../src/observability/metrics.js';
import { createRedis } from '../../src/redis.js';
import { executeCheck, findCheck } from '../../checks/check-runner.js';
import { readCheckState, readCheckStates } from '../../checks/check-state.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ScriptedServer } from '../support/check-targets.js';

/**
 * The state machine and its notifications against real Redis and the fake Slack, driven run by
 * run through the same function the scheduled job calls (each run has its scheduled time).
 */
let redisServer: RedisServer;
let target: ScriptedServer;
let slack: FakeSlack;
let prefix = '';
const t0 = Date.parse('2026-11-22T10:00:00Z');

interface Worker {
  config: AppConfig;
  redis: RedisClient;
  /** Time of the latest run of any check. */
  now: number;
  /** Runs the check at its next scheduled time (each check keeps its own timeline from `at`). */
  run(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** A "worker process": its own config, Redis connection, notifier and threads; shares only Redis. */
function startWorker(yaml: string, at = t0): Worker {
  const config = parseConfig(`redis: { url: "${redisServer.url}", prefix: "${prefix}" }\n${yaml}`, 'test.yaml', {});
  const redis = createRedis(redisServer.url, 'worker');
  const threads = new IncidentThreads(redis, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), prefix);
  const next = new Map<string, number>();
  const w: Worker = {
    config,
    redis,
    now: at,
    async run(name) {
      const found = findCheck(config, name)!;
      const runAt = (next.get(name) ?? at) + found.check.intervalMs;
      next.set(name, runAt);
      w.now = runAt;
      await executeCheck(found.check, found.type, runAt, { config, redis, threads, logger, clock: () => runAt });
    },
    stop: async () => void (await redis.quit()),
  };
  return w;
}

const texts = () => slack.messages.map((m) => m.text);
const checksYaml = (extra = '') => `checks:
  - { name: web, type: http, url: "${target.url('/health')}", interval: 1m, timeout: 2s${extra} }
  - { name: ses, type: http, kind: dependency, url: "${target.url('/health')}", timeout: 2s }
`;

beforeAll(async () => {
  [redisServer, target, slack] = await Promise.all([RedisServer.start({ persist: true }), ScriptedServer.start(), new FakeSlack().start()]);
});
afterAll(async () => {
  await Promise.all([redisServer.destroy(), target.stop(), slack.stop()]);
});
let seq = 0;
beforeEach(() => {
  prefix = `{t${++seq}}`;
  slack.messages.length = 0;
  target.respond(200, 'ok');
});

describe('thresholds and transitions', () => {
  let w: Worker;
  afterEach(async () => w.stop());

  it('an uptime check failing twice then recovering gives exactly one DOWN and one UP, in one thread', async () => {
    w = startWorker(checksYaml());
    await w.run('web');
    target.respond(500, 'boom');
    await w.run('web');
    expect(texts()).toEqual([]);
    await w.run('web');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/\*web\* is DOWN \(uptime check, 2 consecutive failures/);
    expect(texts()[0]).toMatch(/Reason: `http_status` \(HTTP 500\)/);
    expect(texts()[0]).toMatch(/Last error: status 500, expected 2xx/);
    expect(texts()[0]).toMatch(/Timings: .*connect .*processing .*total/);
    await w.run('web'); // still down: nothing new
    target.respond(200, 'ok');
    await w.run('web');
    await w.run('web');
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(/\*web\* is UP again after 3m down/);
    expect(slack.threads()).toHaveLength(1);
    expect(slack.threads()[0]!.replies).toHaveLength(1);
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ state: 'up', consecutiveFailures: 0, incident: 1, announced: 'up' });
  });

  it('exports blackbox-style probe metrics and check state metrics', async () => {
    w = startWorker(checksYaml());
    target.respond(500, 'boom');
    await w.run('web');
    await w.run('web');
    const text = await registry.metrics();
    expect(text).toContain('probe_success{check="web"} 0');
    expect(text).toContain('probe_http_status_code{check="web"} 500');
    expect(text).toMatch(/probe_http_duration_seconds\{check="web",phase="connect"\} [\d.e-]+/);
    expect(text).toMatch(/probe_duration_seconds\{check="web"\} [\d.e-]+/);
    expect(text).toContain('alertworks_check_up{check="web"} 0');
    expect(text).toContain('alertworks_check_consecutive_failures{check="web"} 2');
    expect(text).toMatch(/alertworks_check_failures_total\{check="web",reason="http_status"\} \d+/);
  });

  it('a single failure gives no message', async () => {
    w = startWorker(checksYaml());
    target.respond(503, '');
    await w.run('web');
    target.respond(200, 'ok');
    await w.run('web');
    await w.run('web');
    expect(texts()).toEqual([]);
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ state: 'up', consecutiveFailures: 0 });
  });

  it('a dependency check alerts only at the third failure', async () => {
    w = startWorker(checksYaml());
    target.respond(502, '');
    await w.run('ses');
    await w.run('ses');
    expect(texts()).toEqual([]);
    expect(await readCheckState(w.redis, prefix, 'ses')).toMatchObject({ state: 'unknown', consecutiveFailures: 2 });
    await w.run('ses');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/\*ses\* is DOWN \(dependency check, 3 consecutive failures/);
  });

  it('a repeated run (retried job, same scheduled time) counts once', async () => {
    w = startWorker(checksYaml());
    target.respond(500, '');
    await w.run('web');
    const found = findCheck(w.config, 'web')!;
    const threads = new IncidentThreads(w.redis, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), prefix);
    const again = await executeCheck(found.check, found.type, w.now, { config: w.config, redis: w.redis, threads, logger, clock: () => w.now });
    expect(again.transition).toBe('duplicate');
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ consecutiveFailures: 1, state: 'unknown' });
    expect(texts()).toEqual([]);
  });

  it('reminds every remindEvery while down, once each', async () => {
    w = startWorker(checksYaml(', remindEvery: 3m'));
    target.respond(500, '');
    for (let i = 0; i < 8; i++) await w.run('web'); // DOWN at run 2; 6 more minutes down
    expect(texts().filter((t) => /is DOWN/.test(t))).toHaveLength(1);
    expect(texts().filter((t) => /still DOWN/.test(t))).toHaveLength(2);
    expect(slack.threads()).toHaveLength(1);
  });

  it('readCheckStates lists each check with state, reason and since (status page)', async () => {
    w = startWorker(checksYaml());
    target.respond(500, '');
    await w.run('web');
    await w.run('web');
    const states = await readCheckStates(w.redis, prefix, ['web', 'ses']);
    expect(states[0]).toMatchObject({ name: 'web', state: 'down', lastReason: 'http_status', since: w.now, consecutiveFailures: 2 });
    expect(states[1]).toMatchObject({ name: 'ses', state: 'unknown', consecutiveFailures: 0 });
  });
});

describe('restarts', () => {
  it('restarting the worker neither resets the counters nor repeats a notification', async () => {
    const a = startWorker(checksYaml());
    target.respond(500, '');
    await a.run('web');
    await a.run('web');
    expect(texts()).toHaveLength(1);
    await a.stop();
    const b = startWorker(checksYaml(), a.now);
    await b.run('web');
    expect(await readCheckState(b.redis, prefix, 'web')).toMatchObject({ state: 'down', consecutiveFailures: 3 });
    expect(texts()).toHaveLength(1);
    target.respond(200, 'ok');
    await b.run('web');
    expect(texts()).toHaveLength(2);
    expect(slack.threads()).toHaveLength(1);
    await b.stop();
  });

  it('restarting Redis (with persistence) neither resets the counters nor repeats a notification', async () => {
    const w = startWorker(checksYaml());
    target.respond(500, '');
    await w.run('ses');
    await w.run('ses');
    await redisServer.stop('SIGKILL');
    await redisServer.restart();
    await w.run('ses'); // the same client reconnects
    expect(await readCheckState(w.redis, prefix, 'ses')).toMatchObject({ state: 'down', consecutiveFailures: 3 });
    expect(texts()).toHaveLength(1);
    await redisServer.stop('SIGTERM');
    await redisServer.restart();
    await w.run('ses');
    expect(texts()).toHaveLength(1);
    expect(await readCheckState(w.redis, prefix, 'ses')).toMatchObject({ consecutiveFailures: 4, announced: 'down' });
    target.respond(200, 'ok');
    await w.run('ses');
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(/\*ses\* is UP again/);
    await w.stop();
  });
});

describe('notification failures and crashes', () => {
  it('Slack failing at DOWN: the retried job (same scheduled run) posts it once', async () => {
    const w = startWorker(checksYaml());
    target.respond(500, '');
    await w.run('web');
    slack.injectFaults({ kind: 'http', status: 500 });
    await expect(w.run('web')).rejects.toThrow();
    expect(texts()).toEqual([]);
    const found = findCheck(w.config, 'web')!;
    const threads = new IncidentThreads(w.redis, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), prefix);
    const retry = await executeCheck(found.check, found.type, w.now, { config: w.config, redis: w.redis, threads, logger, clock: () => w.now });
    expect(retry.transition).toBe('duplicate');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/\*web\* is DOWN/);
    await w.run('web');
    expect(texts()).toHaveLength(1);
    await w.stop();
  });

  it('a crash after posting but before recording it repeats nothing (the thread step remembers)', async () => {
    const w = startWorker(checksYaml());
    target.respond(500, '');
    await w.run('web');
    await w.run('web');
    expect(texts()).toHaveLength(1);
    await w.redis.hdel(`${prefix}:check:web`, 'announced', 'announcedIncident'); // as if the process died right after posting
    await w.run('web');
    expect(texts()).toHaveLength(1);
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ announced: 'down', announcedIncident: 1 });
    await w.stop();
  });
});

describe('a crash between posting DOWN and recording it, then recovery before the next run', () => {
  it('the UP still follows the DOWN, in its thread', async () => {
    const w = startWorker(checksYaml());
    // The deployment has posted before: it knows the channel's id (history look-ups take ids).
    await new IncidentThreads(w.redis, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), prefix).say('warm-up', {
      text: 'warm-up',
    });
    slack.messages.length = 0;
    target.respond(500, '');
    await w.run('web');
    const found = findCheck(w.config, 'web')!;
    const inner = new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl });
    const dying: ChatNotifier = {
      kind: 'slack',
      post: async (message, threadTs) => {
        await inner.post(message, threadTs);
        throw new Error('process killed after Slack took the message');
      },
      update: (ref, message) => inner.update(ref, message),
      findMarked: (marker, options) => inner.findMarked(marker, options),
    };
    const dyingThreads = new IncidentThreads(w.redis, dying, prefix);
    w.now += 30_000; // a run of its own between the scheduled ones
    await expect(
      executeCheck(found.check, found.type, w.now, { config: w.config, redis: w.redis, threads: dyingThreads, logger, clock: () => w.now }),
    ).rejects.toThrow('process killed');
    expect(texts()).toHaveLength(1);
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ state: 'down', announced: undefined });

    target.respond(200, 'ok');
    await w.run('web');
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(/\*web\* is UP again/);
    expect(slack.threads().filter((t) => t.root.text.includes('*web*'))).toHaveLength(1);
    await w.run('web');
    expect(texts()).toHaveLength(2);
    await w.stop();
  });
});

describe('maintenance windows', () => {
  it('per check: runs and records, holds notifications, says entering and leaving once, reports a still-down check at the end', async () => {
    const start = new Date(t0 + 60_000).toISOString(),
      end = new Date(t0 + 5 * 60_000).toISOString();
    const w = startWorker(checksYaml(`, maintenance: [{ start: "${start}", end: "${end}", reason: "CDN migration" }]`));
    target.respond(500, '');
    for (let i = 0; i < 4; i++) await w.run('web'); // t0+1m .. t0+4m: inside
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/\*web\* entered maintenance \(CDN migration\)/);
    expect(await readCheckState(w.redis, prefix, 'web')).toMatchObject({ state: 'down', consecutiveFailures: 4 });
    await w.run('web'); // t0+5m: window over, still down
    expect(texts()).toHaveLength(3);
    expect(texts()[1]).toMatch(/\*web\* left maintenance/);
    expect(texts()[2]).toMatch(/\*web\* is DOWN/);
    await w.run('web');
    expect(texts()).toHaveLength(3);
    await w.stop();
  });

  it('global: one entering and one leaving message however many checks run; a check that recovered inside says nothing', async () => {
    const start = new Date(t0 + 30_000).toISOString(),
      end = new Date(t0 + 3 * 60_000 + 30_000).toISOString();
    const w = startWorker(
      `${checksYaml()}  - { name: web2, type: http, url: "${target.url('/')}", interval: 1m }\ncheckRunner: { maintenance: [{ start: "${start}", end: "${end}" }] }\n`,
    );
    target.respond(500, '');
    for (let i = 0; i < 3; i++) {
      await w.run('web');
      await w.run('web2');
    }
    target.respond(200, 'ok');
    await w.run('web'); // t0+4m: outside, recovered
    await w.run('web2');
    expect(texts()).toEqual([expect.stringMatching(/All checks entered maintenance/), expect.stringMatching(/All checks left maintenance/)]);
    await w.stop();
  });
});

describe('connectivity loss', () => {
  it('canary and most checks failing: one "lost connectivity" message instead of one per check; on return, checks still down are reported', async () => {
    const yaml = `checks:
  - { name: canary, type: http, url: "${target.url('/c')}", interval: 1m, failureThreshold: 2 }
  - { name: a, type: http, url: "${target.url('/a')}", interval: 1m }
  - { name: b, type: http, url: "${target.url('/b')}", interval: 1m }
  - { name: c, type: http, url: "${target.url('/c2')}", interval: 1m }
checkRunner: { canary: canary }
`;
    const w = startWorker(yaml);
    const names = ['canary', 'a', 'b', 'c'];
    const round = async () => {
      for (const n of names) await w.run(n);
    };
    target.respond(500, '');
    await round();
    await round();
    await round();
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/lost connectivity: [34] of 4 checks are failing, including the canary \*canary\*/);
    target.handler = (req, res) => res.writeHead(req.url === '/a' ? 500 : 200).end();
    await round();
    expect(texts()).toHaveLength(3);
    expect(texts()[1]).toMatch(/Connectivity is back/);
    expect(texts()[2]).toMatch(/\*a\* is DOWN/);
    await w.stop();
  });
});
