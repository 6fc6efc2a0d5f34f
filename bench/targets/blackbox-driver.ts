/**
 * Drives the Prometheus blackbox exporter as Prometheus would: GET /probe?target=URL&module=
 * http_2xx, RATE times per second for SECONDS, and checks that each probe succeeded.
 * Usage: blackbox-driver.ts EXPORTER_URL TARGET_URL RATE SECONDS
 */
import { startSignal, tell } from '../support/child.js';

const [exporter = '', target = '', rateArg = '100', secondsArg = '10'] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const probeUrl = `${exporter}/probe?target=${encodeURIComponent(target)}&module=http_2xx`;

async function probe(): Promise<boolean> {
  const res = await fetch(probeUrl, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return res.ok && /^probe_success 1$/m.test(text);
}

if (!(await probe())) throw new Error(`blackbox exporter: the first probe of ${target} failed`);
// Listen before saying ready: on a busy machine the signal can arrive before the next line runs.
const go = startSignal();
tell('ready');
await go;
let ok = 0;
let failed = 0;
const pending: Promise<void>[] = [];
const total = Math.round(rate * seconds);
const started = Date.now();
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(probe().then((s) => void (s ? ok++ : failed++), () => void failed++));
}
await Promise.all(pending);
tell('result', { ok, failed, seconds: (Date.now() - started) / 1000 });
