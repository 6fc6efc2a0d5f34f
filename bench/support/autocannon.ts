import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNode } from './child.js';

export interface LoadOptions {
  url: string;
  /** Request body; `[<id>]` in it is replaced per request when uniqueIds is set. */
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (open-model load); unset = as fast as possible. */
  rate?: number;
  uniqueIds?: boolean;
  tmpDir: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

interface AutocannonJson {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
}

/**
 * Runs autocannon in its own process (bench/targets/load.ts), so the load generator does not
 * share an event loop with anything measured, and returns its result.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const file = join(o.tmpDir, `load-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const { tmpDir: _tmp, ...options } = o;
  writeFileSync(file, JSON.stringify(options));
  const child = startNode('bench/targets/load.ts', [file]);
  const message = await child.waitFor('result', (o.seconds + 60) * 1000);
  await child.stop();
  const r = message.result as AutocannonJson;
  return {
    requestsPerSecond: r['2xx'] / r.duration,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSeconds: r.duration,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  };
}
