import type { Hono, MiddlewareHandler } from 'hono';
import type { RedisClient as Redis } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import { CheckHistory, UPTIME_WINDOWS } from './check-history.js';

export interface HistoryApiDeps {
  config: AppConfig;
  redis: Redis;
  /** @defaultValue Date.now */
  clock?: () => number;
}

/**
 * GET /api/checks: uptime over 24 h / 7 d / 30 d, transitions and the 24 h response-time
 * buckets of every configured check. GET /api/checks/:name adds that check's hourly buckets of
 * the last 30 days. JSON, behind the same auth as /status; only configured checks are read, so
 * the path never names a Redis key of its own choosing.
 */
export function mountHistoryApi(app: Hono, auth: MiddlewareHandler, { config, redis, clock = Date.now }: HistoryApiDeps): void {
  const history = new CheckHistory(redis, config.redis.prefix);
  app.get('/api/checks', auth, async (c) => {
    const now = clock();
    const checks = await history.summaries(
      config.checks.map((check) => check.name),
      now,
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ now: new Date(now).toISOString(), checks: checks.map(toJson) });
  });
  app.get('/api/checks/:name', auth, async (c) => {
    const name = c.req.param('name');
    if (!config.checks.some((check) => check.name === name)) return c.json({ error: 'no such check in the config' }, 404);
    const now = clock();
    const [summary] = await history.summaries([name], now);
    const hourly = await history.hourly(name, now, UPTIME_WINDOWS['30d']);
    c.header('Cache-Control', 'no-store');
    return c.json({ now: new Date(now).toISOString(), ...toJson(summary!), hourly: hourly.map(bucketJson) });
  });
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function toJson(s: Awaited<ReturnType<CheckHistory['summaries']>>[number]) {
  return {
    name: s.name,
    state: s.state,
    firstResultAt: iso(s.firstAt),
    lastResultAt: iso(s.lastAt),
    uptime: s.uptime,
    transitions: s.transitions.map((t) => ({ at: iso(t.at), to: t.to, from: t.from, previousStateSeconds: t.previousStateMs / 1000, reason: t.reason })),
    responseTimes: s.responseTimes.map(bucketJson),
  };
}

function bucketJson(b: { start: number; probes: number; successes: number; meanMs?: number; maxMs?: number }) {
  return { start: iso(b.start), probes: b.probes, successes: b.successes, meanMs: b.meanMs, maxMs: b.maxMs };
}
