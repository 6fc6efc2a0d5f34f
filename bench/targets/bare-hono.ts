/**
 * Baseline 2: a bare Hono handler on @hono/node-server that reads the body and answers 200,
 * i.e. the HTTP stack alone, without auth, parsing, routing or Redis.
 * Usage: bare-hono.ts PORT
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { tell } from '../support/child.js';

const app = new Hono();
app.post('/hooks/alertmanager', async (c) => {
  await c.req.text();
  return c.json({ accepted: 1 }, 200);
});
serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' }, (info) => tell('ready', { port: info.port }));
