/**
 * /status with 1,000 checks, each with 30 days of 1-minute history, against a baseline: the
 * same page with only the check states (what /status read before history existed). Prints the
 * median render time of each, their ratio and the page size. No thresholds: figures for
 * docs/benchmarks.md.
 *
 *   npx tsx bench/status-page.ts [--checks 1000] [--runs 30]
 */
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import { parseConfig } from '../src/config/load.js';
import { CheckHistory } from '../src/history/check-history.js';
import { createRedis, waitForRedis } from '../src/redis.js';
import { readConfiguredCheckStates, recordResult } from '../checks/check-state.js';
import { mountStatusPage } from '../src/status/status-page.js';
import { statusSections } from '../src/status/sections.js';
import type { StatusSection } from '../src/status/section.js';
import { RedisServer } from '../test/support/redis-server.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '1000' }, runs: { type: 'string', default: '30' } } });
const N = Number(values.checks);
const RUNS = Number(values.runs);
const PREFIX = '{bench}';
const now = Date.now();

/** The checks table as it was: one state hash per check, no history. */
const stateOnly: StatusSection = {
  id: 'checks',
  title: 'Checks',
  columns: [
    { key: 'name', label: 'Check' },
    { key: 'state', label: 'State' },
    { key: 'since', label: 'Since' },
  ],
  empty: '',
  async load({ config, redis }) {
    const states = await readConfiguredCheckStates(redis, config);
    return states.map((s) => ({ level: s.state === 'up' ? 'ok' : 'crit', cells: { name: s.name, state: s.state, since: s.since } }));
  },
};

const server = await RedisServer.start();
const redis = createRedis(server.url, 'worker');
await waitForRedis(redis, 5_000);
const history = new CheckHistory(redis, PREFIX);
// One check through 30 days of 1-minute results (a DOWN every ~8 h), copied to N names.
const batch: Promise<boolean>[] = [];
for (let i = 43_200; i >= 1; i--) {
  const at = now - i * 60_000;
  const down = i % 500 < 5;
  batch.push(
    history.record({
      name: 'seed',
      runAt: at,
      at,
      success: !down,
      durationSeconds: 0.05 + (i % 97) / 1000,
      state: down ? 'down' : 'up',
      stateSince: at - (i % 500) * 60_000,
      reason: down ? 'timeout' : undefined,
    }),
  );
  if (batch.length >= 2_000) await Promise.all(batch.splice(0));
}
await Promise.all(batch);
const parts = ['meta', 'fine', 'coarse', 'transitions'] as const;
const dumps = await Promise.all(parts.map((p) => redis.dumpBuffer(history.key('seed', p))));
for (let c = 0; c < N; c += 100) {
  const pipeline = redis.pipeline();
  for (let k = c; k < Math.min(N, c + 100); k++) {
    parts.forEach((p, i) => pipeline.restore(history.key(`check-${k}`, p), 0, dumps[i]!, 'REPLACE'));
  }
  await pipeline.exec();
}
// Check states as the runner records them (through their owner, checks/check-state.ts): UP for an hour.
for (let c = 0; c < N; c += 100) {
  const names = Array.from({ length: Math.min(N, c + 100) - c }, (_, i) => `check-${c + i}`);
  for (const at of [now - 3_600_000, now - 30_000]) {
    await Promise.all(
      names.map((name) =>
        recordResult(redis, PREFIX, {
          name,
          runAt: at,
          now: at,
          failureThreshold: 1,
          successThreshold: 1,
          result: { success: true, durationSeconds: 0.05, phases: { connect: 0.01, processing: 0.03 } },
        }),
      ),
    );
  }
}

const checks = Array.from({ length: N }, (_, k) => `  - { name: check-${k}, type: http, url: "http://127.0.0.1:9/", interval: 1m }`).join('\n');
const config = parseConfig(
  `redis: { url: "${server.url}", prefix: "${PREFIX}" }\nserver: { auth: { bearerTokens: ["bench-token-0123456789"] } }\nchecks:\n${checks}\n`,
  'bench.yaml',
  {},
);
const pass = async (_c: unknown, next: () => Promise<void>) => next();
const full = new Hono();
mountStatusPage(full, pass, { config, redis }, statusSections);
const baseline = new Hono();
mountStatusPage(baseline, pass, { config, redis }, [stateOnly]);

async function time(app: Hono): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await app.request('/status');
  const body = await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return { ms: performance.now() - started, bytes: body.length };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (let i = 0; i < 3; i++) await Promise.all([time(full), time(baseline)]);
const a: number[] = [];
const b: number[] = [];
let bytes = { full: 0, baseline: 0 };
for (let i = 0; i < RUNS; i++) {
  const f = await time(full);
  const s = await time(baseline);
  a.push(f.ms);
  b.push(s.ms);
  bytes = { full: f.bytes, baseline: s.bytes };
}
const [fm, bm] = [median(a), median(b)];
console.log(`status page, ${N} checks x 30 days of history, ${RUNS} runs each (median):`);
console.log(`  full page (uptime, sparklines, transitions, activity): ${fm.toFixed(1)} ms, ${(bytes.full / 1024).toFixed(0)} KiB`);
console.log(`  baseline (check states only):                          ${bm.toFixed(1)} ms, ${(bytes.baseline / 1024).toFixed(0)} KiB`);
console.log(`  ratio full / baseline: ${(fm / bm).toFixed(2)}`);
await redis.quit();
await server.destroy();
