/**
 * Where a single-alert webhook's CPU goes, layer by layer: the same HTTP server and load, with
 * a handler that only parses (parse), parses and adds the job (add), runs the receiver's
 * enqueue with its dedup check (enqueue), does that inside an AsyncLocalStorage context (als),
 * or is the full receiver app with its audit trail, as src/main.ts wires it (full). Prints
 * req/s, server CPU µs per request and the process's RSS at the end.
 *   npx tsx bench/receiver-layers.ts parse|add|enqueue|als|full   (LAYER_ALERTS=50: alerts per webhook)
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { RedisServer } from '../test/support/redis-server.js';
import { parseConfig } from '../src/config/load.js';
import { QueueSet } from '../src/queue/queues.js';
import { createRedis, waitForRedis } from '../src/redis.js';
import { createApp } from '../src/server/app.js';
import { createLogger } from '../src/observability/logger.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { withLogContext } from '../src/observability/context.js';
import { enqueueAlerts } from '../src/queue/enqueue.js';
import { compileRoutes } from '../src/queue/routing.js';
import { parsePayload } from '../src/server/alertmanager-payload.js';
import { runLoad } from './support/autocannon.js';
import { cpuSeconds } from './support/cpu.js';
import { alertmanagerBody } from './support/payload.js';
const redis = await RedisServer.start();
const config = parseConfig(
  `redis: { url: "${redis.url}" }\nserver: { auth: { bearerTokens: ["0123456789abcdef0123"] } }\nroutes:\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\n`,
  'x',
  {},
);
const conn = createRedis(redis.url, 'producer');
await waitForRedis(conn, 5000);
const qs = new QueueSet(conn, config, ['notify']);
const routes = compileRoutes(config.routes);
const mode = process.argv[2];
/** Alerts per webhook (LAYER_ALERTS, default 1). */
const ALERTS = Number(process.env.LAYER_ALERTS ?? 1);
let app: Hono;
if (mode === 'full') {
  const logger = createLogger({ level: process.env.LAYER_LOG_LEVEL ?? 'silent' });
  // As src/main.ts wires it: each stored alert is recorded in the audit trail.
  app = createApp({
    config,
    queues: qs,
    redis: conn,
    logger,
    audit: new AuditTrail(conn, config.redis.prefix, { ...config.audit, logger }),
  });
} else {
  app = new Hono();
  app.post('/hooks/alertmanager', async (c) => {
    const p = parsePayload(JSON.parse(await c.req.text()));
    if (!p.ok) return c.json({}, 400);
    if (mode === 'als')
      return withLogContext({ request_id: 'x' }, async () => c.json(await enqueueAlerts(p.payload, routes, qs, { chunkTimeoutMs: 1500 }), 200));
    if (mode === 'enqueue') return c.json(await enqueueAlerts(p.payload, routes, qs, { chunkTimeoutMs: 1500 }), 200);
    if (mode === 'add') {
      await qs.get('notify').add('notify', { alert: p.payload.alerts[0] }, { jobId: p.payload.alerts[0]!.fingerprint });
      return c.json({}, 200);
    }
    return c.json({}, 200);
  });
}
const port: number = await new Promise((r) => serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => r(i.port)));
const headers = { 'content-type': 'application/json', authorization: 'Bearer 0123456789abcdef0123' };
await runLoad({
  url: `http://127.0.0.1:${port}/hooks/alertmanager`,
  body: alertmanagerBody(ALERTS),
  headers,
  connections: 32,
  seconds: 2,
  uniqueIds: true,
  tmpDir: '/tmp',
});
const c0 = cpuSeconds(process.pid);
const r = await runLoad({
  url: `http://127.0.0.1:${port}/hooks/alertmanager`,
  body: alertmanagerBody(ALERTS),
  headers,
  connections: 32,
  seconds: 4,
  uniqueIds: true,
  tmpDir: '/tmp',
});
console.log(
  mode,
  Math.round(r.requestsPerSecond),
  'req/s',
  Math.round(((cpuSeconds(process.pid) - c0) * 1e6) / r.ok),
  'µs/req',
  'p99',
  r.latencyMs.p99,
  'non2xx',
  r.non2xx,
  'rss MiB',
  Math.round(process.memoryUsage().rss / 2 ** 20),
);
await qs.close();
conn.disconnect();
await redis.destroy();
process.exit(0);
