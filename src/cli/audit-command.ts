import { AuditQueryError, auditQueryFrom } from '../audit/audit-query.js';
import { AuditTrail } from '../audit/audit-trail.js';
import type { StoredAuditRecord } from '../audit/record.js';
import { loadConfig } from '../config/load.js';
import { createRedis, describeRedis, redisUnavailable, waitForRedis, withTimeout } from '../redis.js';
import type { CliCommand } from './commands.js';

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

/** `alertworks audit [--since 1h] [--action A] [--resource R] [--kind K] [--limit N] [--json]` */
export const auditCommand: CliCommand = {
  name: 'audit',
  usage: 'audit [--since 1h] [--action A] [--resource R] [--kind K] [--json]',
  summary: 'what alertworks received, decided and did (the audit trail), oldest first',
  async run({ configPath, json, flags }) {
    let query;
    try {
      query = auditQueryFrom({ since: '1h', limit: '1000', ...flags }, Date.now());
    } catch (err) {
      if (!(err instanceof AuditQueryError)) throw err;
      process.stderr.write(`alertworks audit: ${err.message}\n`);
      return 2;
    }
    const config = loadConfig(configPath);
    const redis = createRedis(config.redis.url, 'producer');
    try {
      await waitForRedis(redis, 5_000).catch((err: unknown) => {
        throw new Error(redisUnavailable(err, `Redis at ${describeRedis(config.redis.url)}`, 5_000));
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
