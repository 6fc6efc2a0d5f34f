/**
 * What reading check state through its schema costs: parseState (checks/check-state.ts, zod)
 * over 1,000 stored hashes, against the same hashes read with plain casts (the reader before
 * the schema), in one process, alternating. Prints both medians and their ratio. Figures for
 * docs/benchmarks.md; no thresholds.
 *
 *   npx tsx bench/state-parse.ts [--checks 1000] [--runs 50]
 */
import { parseArgs } from 'node:util';
import { parseState } from '../checks/check-state.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '1000' }, runs: { type: 'string', default: '50' } } });
const N = Number(values.checks);
const RUNS = Number(values.runs);
const now = Date.now();

/** Hashes as the runner's Lua script and announce leave them: every field a string. */
const hashes = Array.from({ length: N }, (_, k): Record<string, string> => ({
  state: k % 10 === 0 ? 'down' : 'up',
  since: String(now - 3_600_000),
  lastRunAt: String(now - 30_000),
  lastResultAt: String(now - 30_000),
  lastSuccess: k % 10 === 0 ? '0' : '1',
  consecutiveFailures: k % 10 === 0 ? '3' : '0',
  consecutiveSuccesses: k % 10 === 0 ? '0' : '12',
  incident: '2',
  lastStatusCode: '200',
  lastDurationSeconds: '0.052000',
  lastPhases: JSON.stringify({ dns: 0.001, connect: 0.01, tls: 0.02, processing: 0.03, transfer: 0.001 }),
  ...(k % 10 === 0
    ? { lastReason: 'http_status', lastError: 'expected 200, got 503', announced: 'down', announcedIncident: '2', lastRemindAt: String(now - 600_000) }
    : {}),
}));

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
/** The unchecked reader: casts, Number() and JSON.parse, no schema. */
function castState(name: string, h: Record<string, string>) {
  return {
    name,
    state: h.state ?? 'unknown',
    since: num(h.since),
    consecutiveFailures: num(h.consecutiveFailures) ?? 0,
    consecutiveSuccesses: num(h.consecutiveSuccesses) ?? 0,
    downSince: num(h.downSince),
    incident: num(h.incident) ?? 0,
    lastResultAt: num(h.lastResultAt),
    lastSuccess: h.lastSuccess === undefined ? undefined : h.lastSuccess === '1',
    lastReason: h.lastReason || undefined,
    lastError: h.lastError || undefined,
    lastStatusCode: num(h.lastStatusCode),
    lastDurationSeconds: num(h.lastDurationSeconds),
    lastPhases: h.lastPhases ? (JSON.parse(h.lastPhases) as Record<string, number>) : undefined,
    announced: h.announced || undefined,
    announcedIncident: num(h.announcedIncident),
    lastRemindAt: num(h.lastRemindAt),
    maintenanceWindow: num(h.maintenanceWindow),
  };
}

function time(read: (name: string, h: Record<string, string>) => unknown): number {
  const started = performance.now();
  let sink = 0;
  for (let k = 0; k < N; k++) sink += read(`check-${k}`, hashes[k]!) ? 1 : 0;
  if (sink !== N) throw new Error('a read returned nothing');
  return performance.now() - started;
}

for (let i = 0; i < 5; i++) {
  time(parseState);
  time(castState);
}
const schema: number[] = [];
const cast: number[] = [];
for (let i = 0; i < RUNS; i++) {
  schema.push(time(parseState));
  cast.push(time(castState));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const [sm, cm] = [median(schema), median(cast)];
console.log(`check state read, ${N} hashes, ${RUNS} runs each (median):`);
console.log(`  parseState (zod schema): ${sm.toFixed(2)} ms`);
console.log(`  plain casts (baseline):  ${cm.toFixed(2)} ms`);
console.log(`  ratio schema / casts: ${(sm / cm).toFixed(1)}; per check: ${((sm * 1000) / N).toFixed(1)} µs`);
