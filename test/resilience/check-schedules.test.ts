import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisServer } from '../support/redis-server.js';
import { ScriptedServer } from '../support/check-targets.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';

const INTERVAL_MS = 1_000;

/**
 * Check schedules live in Redis. When Redis refuses writes for a while (maxmemory with
 * noeviction) or comes back empty, the schedules' chain of runs breaks or vanishes; the work
 * replica must re-derive them from its config and run the checks again within an interval
 * (plus the resync period, here shorter than the interval), with no restart of alertworks.
 */
describe('check schedules survive Redis trouble', () => {
  let redis: RedisServer;
  let target: ScriptedServer;
  let service: ServiceProcess;
  let admin: Redis;

  beforeAll(async () => {
    [redis, target] = await Promise.all([RedisServer.start(), ScriptedServer.start()]);
    admin = redis.client();
    // The default resync period (half the shortest interval, at least 1s): what heals an OOM episode.
    service = await startService('');
  });

  const startService = (checkRunner: string) =>
    ServiceProcess.start({
      role: 'work',
      config: `redis: { url: "${redis.url}" }\nserver: { host: 127.0.0.1 }\n${checkRunner}checks:\n  - { name: web, type: http, url: "${target.url('/health')}", interval: ${INTERVAL_MS}ms, timeout: 500ms }\n`,
    });

  afterAll(async () => {
    await service?.stop();
    admin?.disconnect();
    await Promise.all([redis?.destroy(), target?.stop()]);
  });

  const probes = () => target.requests.filter((r) => r.url === '/health').length;

  /** Runs resume: two more probes, counted from now, within a bound far below "never". */
  async function expectRunsResume(what: string): Promise<number> {
    const before = probes();
    const started = Date.now();
    await waitFor(`checks to run again after ${what}`, () => probes() >= before + 2, 20 * INTERVAL_MS, 50);
    return Date.now() - started;
  }

  it('after an out-of-memory episode (maxmemory + noeviction), checks run again without a restart, and errors are not logged per failure', async () => {
    await waitFor('first probes', () => probes() >= 3, 15_000, 50);
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(used + 512 * 1024));
    // Fill Redis until it refuses writes.
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; ; i++) {
      const ok = await admin.set(`filler:${i}`, chunk).then(
        () => true,
        (err: Error) => (/OOM/.test(err.message) ? false : Promise.reject(err)),
      );
      if (!ok) break;
    }
    // Writes now fail, but frees (completed jobs removed) could let some through again: hold
    // the limit well below what is used, so every write is refused for the whole episode.
    const full = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(Math.floor(full / 2)));
    await expect(admin.set('probe-write', '1')).rejects.toThrow(/OOM/);
    const logsBefore = service.logs.length;
    const probesAtOom = probes();
    // Several intervals with every write refused: runs fail to record and to schedule their next run.
    await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS));
    const oomLines = service.logs.slice(logsBefore).filter((l) => l.level === 'warn' || l.level === 'error');
    console.info(`OOM episode: ${probes() - probesAtOom} probes, ${oomLines.length} warn/error lines in ${5 * INTERVAL_MS} ms`);
    // One line per kind of error and window, not one per failed attempt.
    expect(oomLines.length).toBeLessThan(50);

    const keys = await admin.keys('filler:*');
    for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
    await admin.config('SET', 'maxmemory', '0');
    const took = await expectRunsResume('the OOM episode');
    console.info(`runs resumed ${took} ms after Redis accepted writes again`);
  });

  it('after Redis restarts empty, checks run again without a restart (the reconnect itself re-derives them)', async () => {
    // A resync period far beyond the test: only the reconnect can bring the schedule back.
    await service.stop();
    service = await startService('checkRunner: { resyncInterval: 1h }\n');
    const started = probes();
    await waitFor('probes before the restart', async () => probes() > started, 5_000, 50);
    await admin.set('sentinel', '1');
    await redis.stop('SIGKILL');
    await redis.restart(); // not persisted: every schedule and state is gone
    admin.disconnect();
    admin = redis.client();
    expect(await admin.exists('sentinel')).toBe(0);
    const took = await expectRunsResume('an empty restart');
    console.info(`runs resumed ${took} ms after an empty Redis came back`);
    // Staleness is exported: the last run is recent again, beside the interval it is judged by.
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const lastRun = Number(/^alertworks_check_last_run_timestamp_seconds\{check="web"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(Date.now() / 1000 - lastRun).toBeLessThan(10);
    expect(metrics).toMatch(/^alertworks_check_interval_seconds\{check="web"\} 1$/m);
    // The schedule itself is back (re-derived from the config), not just one stray job.
    expect(await admin.zscore('{alertworks}:checks:repeat', 'check:web')).not.toBeNull();
  });
});
