/**
 * A prober process whose CPU the harness measures: probes URL at RATE per second for SECONDS.
 *   alertworks — the product's http check (checks/types/http.ts: its config schema, request,
 *                expectations and result), loaded from ALERTWORKS_ROOT (default: this tree);
 *   fetch      — a bare fetch() per probe, for scale.
 * Usage: prober.ts alertworks|fetch URL RATE SECONDS
 * Prints {bench:"ready"} once loaded, then {bench:"result"} after the run.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createLogger } from '../../src/observability/logger.js';
import { runPacedProbes } from '../support/child.js';
import { ROOT } from '../support/paths.js';

const [kind = 'fetch', url = '', rateArg = '100', secondsArg = '10'] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);

type Probe = () => Promise<boolean>;

async function alertworksProbe(): Promise<Probe> {
  const root = process.env.ALERTWORKS_ROOT ?? ROOT;
  const file = join(root, 'checks', 'types', 'http.ts');
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
await runPacedProbes(probe, rate, seconds, `${kind} probing ${url}`);
