import { AuditQueryError, auditQueryFrom } from '../audit/audit-query.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { StoredAuditRecord } from '../audit/record.js';
import { loadConfig } from '../config/load.js';
import { createRedis, describeRedis, redisUnavailable, waitForRedis, withTimeout } from '../redis.js';
import type { CliCommand } from './commands.js';
import { REDIS_WAIT_MS } from './queues-command.js';

/** One line per record, oldest first (like a log): time, kind, action, resource, summary, links. */
function formatAuditRecords(records: readonly StoredAuditRecord[]): string {
  if (records.length === 0) return 'no audit records in that range\n';
  return (
    [...records]
      .reverse()
      .map((r) => {
        const links = Object.entries(r.links ?? {}).map(([k, v]) => `${k}=${v}`);
        return [
          new Date(r.at).toISOString(),
          r.kind.padEnd(16),
          r.action.padEnd(14),
          r.resource ?? '-',
          '—',
          r.summary,
          ...(links.length ? [`[${links.join(' ')}]`] : []),
        ].join(' ');
      })
      .join('\n') + '\n'
  );
}

/** `alertworks audit [--since 1h] [--action A] [--resource R] [--kind K] [--stream decisions|routine] [--limit N] [--json]` */
export const auditCommand: CliCommand = {
  name: 'audit',
  usage: 'audit [--since 1h] [--action A] [--resource R] [--kind K] [--stream decisions|routine] [--json]',
  summary: 'what alertworks received, decided and did (the audit trail), oldest first',
  async run({ configPath, json, flags, env, redisFrom }) {
    let query;
    try {
      query = auditQueryFrom({ since: '1h', limit: '1000', ...flags }, Date.now());
    } catch (err) {
      if (!(err instanceof AuditQueryError)) throw err;
      process.stderr.write(`alertworks audit: ${err.message}\n`);
      return 2;
    }
    const config = loadConfig(configPath, env);
    // The whole redis section (password, Sentinel, Cluster), as every other command: the URL
    // alone made `audit` fail with NOAUTH where REDIS_PASSWORD was set.
    const redis = createRedis(config.redis, 'producer', { connectTimeout: REDIS_WAIT_MS });
    try {
      await waitForRedis(redis, REDIS_WAIT_MS).catch((err: unknown) => {
        throw new Error(redisUnavailable(err, `Redis at ${describeRedis(config.redis)} (from ${redisFrom})`, REDIS_WAIT_MS));
      });
      const records = await withTimeout(new AuditTrail(redis, config.redis.prefix).query(query), 10_000, 'reading the audit trail');
      process.stdout.write(
        json
          ? `${JSON.stringify(
              records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
              null,
              2,
            )}\n`
          : formatAuditRecords(records),
      );
      return 0;
    } catch (err) {
      process.stderr.write(`alertworks audit: ${(err as Error).message}\n`);
      return 1;
    } finally {
      redis.disconnect();
    }
  },
};
