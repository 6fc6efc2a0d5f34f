import { Hono } from 'hono';
import type { RedisClient } from '../redis.js';
import type { Logger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import type { QueueSet } from '../queue/queues.js';
import { withTimeout } from '../redis.js';

export interface ProbeAppDeps {
  redis: RedisClient;
  queues: QueueSet;
  logger: Logger;
  /** A reason to answer 503 besides Redis (the work role: its workers are not live). */
  notReadyReason?: () => string | undefined;
}

/**
 * /healthz, /readyz and /metrics, with the same answers wherever they are served: on the
 * receiver (server/app.ts) and on the `work` role's own listener below.
 */
export function mountProbeRoutes(app: Hono, { redis, queues, notReadyReason }: Pick<ProbeAppDeps, 'redis' | 'queues' | 'notReadyReason'>): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await withTimeout(redis.ping(), 1000, 'redis ping');
    } catch (err) {
      return c.json({ status: 'not ready', reason: `redis: ${(err as Error).message}` }, 503);
    }
    const reason = notReadyReason?.();
    return reason ? c.json({ status: 'not ready', reason }, 503) : c.json({ status: 'ready' });
  });
  app.get('/metrics', async (c) => {
    // Queue depth is read at scrape time; a Redis outage must not make the scrape hang.
    await withTimeout(queues.counts(), 1000, 'queue counts').catch(() => undefined);
    return c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
}

/** JSON 404 for unknown paths and a logged, detail-free 500 for unhandled errors. */
export function mountFallbacks(app: Hono, logger: Logger): void {
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((err, c) => {
    logger.error({ err }, 'unhandled error in request');
    return c.json({ error: 'internal error' }, 500);
  });
}

/**
 * The listener of the `work` role: /healthz, /readyz and /metrics only, no webhook and no
 * UI. It lets Prometheus scrape the job and check metrics that only workers produce, and the
 * container HEALTHCHECK reach /healthz.
 */
export function createProbeApp({ redis, queues, logger, notReadyReason }: ProbeAppDeps): Hono {
  const app = new Hono();
  mountProbeRoutes(app, { redis, queues, notReadyReason });
  mountFallbacks(app, logger);
  return app;
}
