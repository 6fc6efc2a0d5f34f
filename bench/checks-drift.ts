/**
 * Schedule drift and CPU of scheduled checks: N http checks at one interval against a local
 * target, run (A) as a plain setInterval loop doing the same probes in this process — the
 * baseline — and (B) through alertworks' BullMQ Job Schedulers, worker and Redis state machine,
 * then (C) B started again on the same Redis, as a deploy or a second replica does.
 * Drift = probe start - scheduled moment. Prints p50/p99 drift, CPU per check run, and B/A ratios.
 *
 *   npm run bench:checks -- [--checks 200] [--interval 10s] [--duration 40s] [--concurrency 50] [--redis-hz 10]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load.js';
import { parseDuration } from '../src/config/duration.js';
import { IncidentThreads } from '../src/notify/threads.js';
import { LogNotifier } from '../src/notify/log-notifier.js';
import { logger } from '../src/observability/logger.js';
import { createRedis } from '../src/redis.js';
import { findCheck, probeOnce } from '../checks/check-runner.js';
import { spreadOffset, startCheckScheduler } from '../checks/scheduler.js';
import { RedisServer } from '../test/support/redis-server.js';

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '200' },
    interval: { type: 'string', default: '10s' },
    duration: { type: 'string', default: '40s' },
    concurrency: { type: 'string', default: '50' },
    /** Redis `hz`: how often Redis wakes up to time out blocked clients, which bounds how early BullMQ sees a delayed job due. */
    'redis-hz': { type: 'string' },
  },
});
const N = Number(values.checks);
const intervalMs = parseDuration(values.interval!)!;
const durationMs = parseDuration(values.duration!)!;
const concurrency = Number(values.concurrency);

/** The target runs in its own process, so its CPU is not counted as the prober's. */
async function startTarget(): Promise<{ port: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['-e', "const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log(s.address().port))"],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { port, stop: () => child.kill() };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface PhaseResult {
  name: string;
  runs: number;
  p50: number;
  p99: number;
  /** p99 of the runs after the first 10 s: the start (every schedule written at once) left out. */
  steadyP99: number;
  max: number;
  cpuMsPerRun: number;
  redisCpuMsPerRun: number;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
}

async function measure(name: string, admin: Redis, body: (record: (drift: number) => void) => Promise<() => Promise<void>>): Promise<PhaseResult> {
  const drifts: number[] = [];
  const steady: number[] = [];
  const steadyFrom = Date.now() + 10_000;
  const cpu0 = process.cpuUsage();
  const redis0 = await redisCpuMs(admin);
  const stop = await body((d) => {
    drifts.push(d);
    if (Date.now() >= steadyFrom) steady.push(d);
  });
  await new Promise((r) => setTimeout(r, durationMs));
  await stop();
  const cpu = process.cpuUsage(cpu0);
  const redisCpu = (await redisCpuMs(admin)) - redis0;
  drifts.sort((a, b) => a - b);
  steady.sort((a, b) => a - b);
  const runs = Math.max(1, drifts.length);
  return {
    name,
    runs: drifts.length,
    p50: percentile(drifts, 50),
    p99: percentile(drifts, 99),
    steadyP99: percentile(steady, 99),
    max: drifts.at(-1) ?? NaN,
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
    redisCpuMsPerRun: redisCpu / runs,
  };
}

async function main() {
  const [redisServer, target] = await Promise.all([RedisServer.start(), startTarget()]);
  try {
    await runPhases(redisServer, target.port);
  } finally {
    target.stop();
    await redisServer.destroy();
  }
}

async function runPhases(redisServer: RedisServer, targetPort: number) {
  const admin = new Redis(redisServer.url);
  if (values['redis-hz']) await admin.config('SET', 'hz', values['redis-hz']);
  const hz = ((await admin.config('GET', 'hz')) as string[])[1];
  const checks = Array.from(
    { length: N },
    (_, i) =>
      `  - { name: c${i}, type: http, url: "http://127.0.0.1:${targetPort}/health", interval: ${intervalMs}ms, timeout: ${Math.min(5000, intervalMs)}ms }`,
  ).join('\n');
  const config = parseConfig(
    `redis: { url: "${redisServer.url}", prefix: "{bench}" }\ncheckRunner: { concurrency: ${concurrency}, keepJobs: 10 }\nchecks:\n${checks}\n`,
    'bench.yaml',
    {},
  );
  process.stdout.write(
    `${N} http checks every ${intervalMs / 1000}s for ${durationMs / 1000}s per phase (worker concurrency ${concurrency}, Redis hz ${hz}); target in a child process\n`,
  );

  // A: setInterval per check at the same spread offsets as the scheduler uses, unbounded concurrency.
  const baseline = await measure('setInterval baseline', admin, async (record) => {
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < N; i++) {
      const found = findCheck(config, `c${i}`)!;
      const slot = Math.floor(Date.now() / intervalMs) * intervalMs + spreadOffset(found.check.name, intervalMs);
      const first = slot > Date.now() ? slot : slot + intervalMs;
      let k = 0;
      const tick = () => {
        record(Date.now() - (first + k++ * intervalMs));
        void probeOnce(found.check, found.type, logger);
      };
      timers.push(
        setTimeout(() => {
          tick();
          timers.push(setInterval(tick, intervalMs));
        }, first - Date.now()),
      );
    }
    return async () => timers.forEach((t) => clearTimeout(t));
  });

  // B: the real scheduler: job schedulers, worker, probe, Lua state machine, announce.
  const stateRedis = createRedis(redisServer.url, 'worker');
  const threads = new IncidentThreads(stateRedis, new LogNotifier(logger, '#bench'), config.redis.prefix);
  // The first sync's time (start -> schedules in place) and how many schedules it wrote.
  const syncs: { ms: number; upserted: number }[] = [];
  const schedulerPhase = (name: string) =>
    measure(name, admin, async (record) => {
      const t0 = Date.now();
      const running = await startCheckScheduler({ config, redis: stateRedis, threads, logger, onRunStart: (r) => record(r.startedAt - r.scheduledAt) });
      void running.synced.then((outcome) => syncs.push({ ms: Date.now() - t0, upserted: outcome?.owner ? outcome.upserted.length : NaN }));
      return () => running.close();
    });
  const scheduled = await schedulerPhase('alertworks BullMQ schedulers');
  // C: the same process started again on the same Redis (a deploy, a crash, another replica):
  // the schedules are there; what does the start cost the runs due meanwhile?
  const restarted = await schedulerPhase('alertworks restarted');
  process.stdout.write(
    `first sync: at first start ${syncs[0]?.ms ?? NaN} ms (${syncs[0]?.upserted ?? NaN} schedules written), at restart ${syncs[1]?.ms ?? NaN} ms (${syncs[1]?.upserted ?? NaN} written)\n`,
  );

  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  const rows = [baseline, scheduled, restarted];
  process.stdout.write(
    `\n${'phase'.padEnd(30)} ${'runs'.padStart(6)} ${'drift p50'.padStart(10)} ${'drift p99'.padStart(10)} ${'max'.padStart(8)} ${'CPU/run'.padStart(9)} ${'Redis CPU/run'.padStart(14)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(30)} ${String(r.runs).padStart(6)} ${`${r.p50.toFixed(1)}ms`.padStart(10)} ${`${r.p99.toFixed(1)}ms`.padStart(10)} ${`${r.max.toFixed(0)}ms`.padStart(8)} ${`${r.cpuMsPerRun.toFixed(2)}ms`.padStart(9)} ${`${r.redisCpuMsPerRun.toFixed(2)}ms`.padStart(14)}\n`,
    );
  }
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
  process.stdout.write(
    `\nratio scheduler/baseline: drift p50 ${ratio(scheduled.p50, baseline.p50)}, drift p99 ${ratio(scheduled.p99, baseline.p99)}, CPU per run ${ratio(scheduled.cpuMsPerRun, baseline.cpuMsPerRun)} (process), ${ratio(scheduled.cpuMsPerRun + scheduled.redisCpuMsPerRun, baseline.cpuMsPerRun + baseline.redisCpuMsPerRun)} (process + Redis)\n`,
  );
  // For the scale figures (issue 11): RSS of this process after the scheduler phase (it also ran
  // the baseline, so this is an upper bound for a `work` process), and the scheduler's figures alone.
  process.stdout.write(
    `scale: ${N} checks, RSS ${rssMiB.toFixed(0)} MiB after all phases, CPU per probe ${scheduled.cpuMsPerRun.toFixed(3)} ms (+ Redis ${scheduled.redisCpuMsPerRun.toFixed(3)} ms), drift p99 ${scheduled.p99.toFixed(0)} ms (after the first 10 s: ${scheduled.steadyP99.toFixed(0)} ms), runs ${scheduled.runs}; restarted: drift p99 ${restarted.p99.toFixed(0)} ms (after the first 10 s: ${restarted.steadyP99.toFixed(0)} ms)\n`,
  );
  process.stdout.write(
    `CPU per check at this interval: ${((scheduled.cpuMsPerRun / intervalMs) * 100).toFixed(4)}% of a core (scheduler), ${((baseline.cpuMsPerRun / intervalMs) * 100).toFixed(4)}% (baseline)\n`,
  );

  await stateRedis.quit();
  await admin.quit();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${String(err)}\n`);
    process.exit(1);
  },
);
