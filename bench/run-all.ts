/**
 * `npm run bench`: every benchmark, one after the other (never at once: they would measure
 * each other), then one table of the targets. Each benchmark measures its baseline in the
 * same run; BENCH_SECONDS (per figure) and BENCH_ROUNDS trade time for steadiness.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchIngest } from './ingest.js';
import { benchProbes } from './probes.js';
import { benchRedisMemory } from './redis-memory.js';
import { benchStorm } from './storm.js';
import { ROOT } from './support/paths.js';
import { machineFacts, table, targetsTable, type Target } from './support/report.js';

const started = Date.now();
const targets: Target[] = [];
targets.push(...(await benchIngest()).targets);
targets.push(...(await benchProbes()).targets);
targets.push(...(await benchRedisMemory()).targets);
targets.push(...(await benchStorm()).targets);

// Benchmarks owned by other parts run as their own commands, when present.
for (const extra of ['bench/checks-drift.ts']) {
  if (!existsSync(join(ROOT, extra))) continue;
  process.stdout.write(`\n## ${extra}\n\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, extra)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.stdout.write(`${extra} exited ${r.status}\n`);
}

process.stdout.write(
  `\n## summary (${((Date.now() - started) / 1000).toFixed(0)} s)\n\n${table(['machine', ''], Object.entries(machineFacts()))}\n\n${targetsTable(targets)}\n`,
);
process.stdout.write('\nAbsolute figures depend on the machine and on what else runs on it; the ratios are taken within one run.\n');
// A library handle left open must not keep `npm run bench` from ending.
process.exit(0);
