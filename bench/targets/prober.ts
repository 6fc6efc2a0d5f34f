/**
 * A prober process whose CPU the harness measures: probes URL at RATE per second for SECONDS.
 *   alertworks — the product's http check (jobs/checks/http.ts: its config schema, request,
 *                expectations and result), loaded from ALERTWORKS_ROOT (default: this tree);
 *   fetch      — a bare fetch() per probe, for scale.
 * Usage: prober.ts alertworks|fetch URL RATE SECONDS
 * Prints {bench:"ready"} once loaded, then {bench:"result"} after the run.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createLogger } from '../../src/observability/logger.js';
import { startSignal, tell } from '../support/child.js';
import { ROOT } from '../support/paths.js';

const [kind = 'fetch', url = '', rateArg = '100', secondsArg = '10'] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);

type Probe = () => Promise<boolean>;

async function alertworksProbe(): Promise<Probe> {
  const root = process.env.ALERTWORKS_ROOT ?? ROOT;
  const file = join(root, 'jobs', 'checks', 'http.ts');
  // Typed loosely on purpose: the module belongs to the http check (issue 4) and may not exist yet.
  const mod = (await import(pathToFileURL(file).href)) as {
    httpCheck: { schema: { parse(v: unknown): unknown }; probe(check: unknown, ctx: unknown): Promise<{ success: boolean; error?: string }> };
  };
  const check = mod.httpCheck.schema.parse({ name: 'bench-target', type: 'http', url, interval: '1m', timeout: '5s', expect: { status: ['2xx'] } });
  const logger = createLogger({ level: 'silent' });
  return async () => {
    const result = await mod.httpCheck.probe(check, { signal: new AbortController().signal, logger });
    return result.success;
  };
}

function fetchProbe(): Probe {
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  };
}

const probe = kind === 'alertworks' ? await alertworksProbe() : fetchProbe();
if (!(await probe())) throw new Error(`${kind}: the first probe of ${url} failed`);
// Listen before saying ready: on a busy machine the signal can arrive before the next line runs.
const go = startSignal();
tell('ready');
await go;

// Open-model load: one probe every 1/rate s, whether or not earlier ones have finished.
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
