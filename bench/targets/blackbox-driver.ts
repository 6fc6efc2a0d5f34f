/**
 * Drives the Prometheus blackbox exporter as Prometheus would: GET /probe?target=URL&module=
 * http_2xx, RATE times per second for SECONDS, and checks that each probe succeeded.
 * Usage: blackbox-driver.ts EXPORTER_URL TARGET_URL RATE SECONDS
 */
import { runPacedProbes } from '../support/child.js';

const [exporter = '', target = '', rateArg = '100', secondsArg = '10'] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const probeUrl = `${exporter}/probe?target=${encodeURIComponent(target)}&module=http_2xx`;

async function probe(): Promise<boolean> {
  const res = await fetch(probeUrl, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return res.ok && /^probe_success 1$/m.test(text);
}

await runPacedProbes(probe, rate, seconds, `blackbox exporter probing ${target}`);
