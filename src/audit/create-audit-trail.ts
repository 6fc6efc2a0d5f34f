import type { RedisClient as Redis } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import { grafanaAnnotationSink } from '../grafana/annotation-sink.js';
import type { Logger } from '../observability/logger.js';
import { AuditTrail } from './audit-trail.js';

/** The process's audit trail, posting Grafana annotations when grafana.url and grafana.token are set. */
export function createAuditTrail(redis: Redis, config: Pick<AppConfig, 'redis' | 'audit' | 'grafana'>, logger: Logger): AuditTrail {
  const audit = new AuditTrail(redis, config.redis.prefix, { ...config.audit, logger });
  const { url, token, timeout } = config.grafana;
  if (url && token) audit.addSink(grafanaAnnotationSink({ url, token, timeoutMs: timeout }, logger));
  return audit;
}
