import type { Hono, MiddlewareHandler } from 'hono';
import type { RedisClient } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { QueueSet } from '../queue/queues.js';
import { mountLogin } from '../server/login.js';
import { mountStatusPage } from '../status/status-page.js';
import { mountQueueDashboard } from './queue-dashboard.js';
import { mountHistoryApi } from '../history/history-api.js';
import { mountAuditApi } from '../audit/audit-api.js';
import type { AuditTrail } from '../audit/audit-trail.js';

export interface OperatorUiDeps {
  config: AppConfig;
  redis: RedisClient;
  queues: QueueSet;
  logger: Logger;
  insecureNoAuth?: boolean;
  audit: AuditTrail;
}

/**
 * The human-facing pages: /login (the webhook token, then a session cookie), /status
 * (read-only, names internal hosts) and /admin/queues (can retry and delete jobs), both
 * behind the page auth (session cookie or the receiver's credentials). Passed to createApp's
 * `extend` hook by main.ts. Returns the page auth, for other human-facing routes (/api/*).
 */
export function mountOperatorUi(app: Hono, { config, redis, queues, logger, insecureNoAuth, audit }: OperatorUiDeps): MiddlewareHandler {
  const pageAuth = mountLogin(app, { auth: config.server.auth, session: config.server.session, insecureNoAuth, logger });
  mountStatusPage(app, pageAuth, { config, redis });
  mountHistoryApi(app, pageAuth, { config, redis });
  mountAuditApi(app, pageAuth, audit);
  mountQueueDashboard(app, pageAuth, queues, { allowActions: config.ui.queueDashboard.allowActions });
  return pageAuth;
}
