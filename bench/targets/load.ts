/**
 * The load generator, as its own process: autocannon (its API, so that every request can get
 * a body with fresh ids; the CLI's -I flag computes a wrong Content-Length with the hyperid
 * autocannon 8 ships, and the server then waits for bytes that never come).
 * Usage: load.ts JSON-OPTIONS-FILE   (see bench/support/autocannon.ts); prints the result JSON.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tell } from '../support/child.js';

interface Options {
  url: string;
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  rate?: number;
  uniqueIds?: boolean;
}

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
