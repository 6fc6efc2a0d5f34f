import type { Hono, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/schema.js';
import type { QueueSet } from '../queue/queues.js';
import { mountStatusPage } from '../status/status-page.js';
import { mountQueueDashboard } from './queue-dashboard.js';
import { mountHistoryApi } from '../history/history-api.js';
import { mountAuditApi } from '../audit/audit-api.js';
import type { AuditTrail } from '../audit/audit-trail.js';

export interface OperatorUiDeps {
  config: AppConfig;
  redis: Redis;
  queues: QueueSet;
  audit: AuditTrail;
}

/**
 * The human-facing pages, both behind the receiver's auth: /status (read-only, names
 * internal hosts) and /admin/queues (can retry and delete jobs). Passed to createApp's
 * `extend` hook by main.ts.
 */
export function mountOperatorUi(app: Hono, auth: MiddlewareHandler, { config, redis, queues, audit }: OperatorUiDeps): void {
  mountStatusPage(app, auth, { config, redis });
  mountHistoryApi(app, auth, { config, redis });
  mountAuditApi(app, auth, audit);
  mountQueueDashboard(app, auth, queues);
}
