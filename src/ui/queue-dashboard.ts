import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono, MiddlewareHandler } from 'hono';
import { logger } from '../observability/logger.js';
import type { QueueSet } from '../queue/queues.js';
import { refuse, requireJson } from '../server/request-guards.js';
import { WebhookRejections } from '../server/webhook-rejections.js';

const QUEUE_DASHBOARD_PATH = '/admin/queues';

export interface QueueDashboardOptions {
  /** `ui.queueDashboard.allowActions`: retry, promote, remove, clean, pause and add jobs. @defaultValue false */
  allowActions?: boolean;
  basePath?: string;
}

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Mounts the BullMQ queue dashboard at /admin/queues, every route behind `auth`. Read-only
 * unless `allowActions`: bull-board's own read-only mode hides the buttons and refuses its
 * actions, and every state-changing method is refused here as well (405), whatever routes a
 * later bull-board adds. With actions allowed, a request body must be JSON (415 otherwise).
 * Queues are the ones the receiver writes to.
 */
export function mountQueueDashboard(app: Hono, auth: MiddlewareHandler, queues: QueueSet, options: QueueDashboardOptions = {}): void {
  const { allowActions = false, basePath = QUEUE_DASHBOARD_PATH } = options;
  const rejections = new WebhookRejections(logger, 60_000);
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: !allowActions })),
    serverAdapter,
    // The UI is @bull-board/ui's prebuilt page and assets: no front-end build on our side.
    options: { uiConfig: { boardTitle: 'alertworks', hideDocsLink: true, miscLinks: [{ text: 'Status', url: '/status' }] } },
  });
  const actions: MiddlewareHandler = allowActions
    ? requireJson(rejections, { onlyWithBody: true })
    : async function readOnly(c, next) {
        if (READ_ONLY_METHODS.has(c.req.method)) return next();
        c.header('Allow', 'GET, HEAD');
        return refuse(c, rejections, 405, 'read_only', 'the queue dashboard is read-only (set ui.queueDashboard.allowActions: true to act from it)');
      };
  app.use(basePath, auth, actions);
  app.use(`${basePath}/*`, auth, actions);
  app.route(basePath, serverAdapter.registerPlugin());
}
