import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono, MiddlewareHandler } from 'hono';
import type { QueueSet } from '../queue/queues.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Mounts the BullMQ queue dashboard at /admin/queues, every route behind `auth` (the
 * dashboard can retry, promote and delete jobs). Queues are the ones the receiver writes to.
 */
export function mountQueueDashboard(app: Hono, auth: MiddlewareHandler, queues: QueueSet, basePath = QUEUE_DASHBOARD_PATH): void {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q)),
    serverAdapter,
    // The UI is @bull-board/ui's prebuilt page and assets: no front-end build on our side.
    options: { uiConfig: { boardTitle: 'alertworks', hideDocsLink: true, miscLinks: [{ text: 'Status', url: '/status' }] } },
  });
  app.use(basePath, auth);
  app.use(`${basePath}/*`, auth);
  app.route(basePath, serverAdapter.registerPlugin());
}
