/**
 * The thing every prober probes: a local HTTP server answering 200 with a small JSON body,
 * keep-alive as a real health endpoint behind a proxy would be. GET /__served tells how many
 * probes it has answered.
 * Usage: probe-target.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tell } from '../support/child.js';

const body = JSON.stringify({ status: 'ok', version: '1.2.3', checks: { db: 'ok', cache: 'ok' } });
let served = 0;
const server = createServer((req, res) => {
  if (req.url === '/__served') return void res.end(String(served));
  served++;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => tell('ready', { port: (server.address() as AddressInfo).port }));
