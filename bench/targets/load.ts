/**
 * The load generator, as its own process: autocannon (its API, so that every request can get
 * a body with fresh ids; the CLI's -I flag computes a wrong Content-Length with the hyperid
 * autocannon 8 ships, and the server then waits for bytes that never come).
 * With a rate, requests are paced evenly instead (one every 1/rate s, open model): autocannon's
 * rate limit releases each second's requests in a burst at the start of the second, which
 * measures queueing behind the burst, not the latency at that rate.
 * Usage: load.ts JSON-OPTIONS-FILE   (see bench/support/autocannon.ts); prints the result JSON.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tell } from '../support/child.js';
import type { LoadOptions } from '../support/autocannon.js';

type Options = Omit<LoadOptions, 'tmpDir'>;

type Autocannon = (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const o = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Options;
const parts = o.body?.split('[<id>]') ?? [];
const prefix = randomBytes(6).toString('hex');
let seq = 0;
const request =
  o.uniqueIds && o.body !== undefined
    ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: parts.join(`${prefix}${(++seq).toString(36)}`) }) }
    : {};
if (o.rate) {
  tell('result', { result: await paced(o.rate) });
  process.exit(0);
}

const result = await autocannon({
  url: o.url,
  connections: o.connections,
  duration: o.seconds,
  method: o.body === undefined ? 'GET' : 'POST',
  headers: o.headers ?? {},
  ...(o.body !== undefined ? { body: o.body } : {}),
  ...(o.rate ? { overallRate: o.rate } : {}),
  requests: [request],
});
tell('result', { result });

/** Evenly spaced requests through fetch (keep-alive pool); the same result fields as autocannon. */
async function paced(rate: number): Promise<Record<string, unknown>> {
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const total = Math.round(rate * o.seconds);
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = o.body === undefined ? undefined : o.uniqueIds ? parts.join(`${prefix}${(++seq).toString(36)}`) : o.body;
    const t0 = performance.now();
    pending.push(
      fetch(o.url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: o.headers ?? {},
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status >= 200 && res.status < 300) ok++;
          else non2xx++;
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(pending);
  const duration = (Date.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
  return {
    '2xx': ok,
    non2xx,
    errors,
    timeouts: 0,
    duration,
    requests: { average: ok / duration, total: ok + non2xx },
    latency: { p50: at(50), p90: at(90), p99: at(99), max: at(100) },
  };
}
