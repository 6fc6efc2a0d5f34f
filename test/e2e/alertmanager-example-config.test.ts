import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run, type RunningService } from '../../src/main.js';
import { ManagedBinary } from '../support/binary.js';
import { freePort, waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

const repo = resolve(import.meta.dirname, '../..');
const TOKEN = 'e2e-example-config-token-01234';

/**
 * The shipped config/alertmanager/alertmanager.yml in the real Alertmanager: only the URL,
 * the token file path and the grouping waits are changed. Automation alerts reach alertworks
 * with the bearer token read from the file, resolutions too (send_resolved); others do not.
 */
describe('example Alertmanager config', () => {
  let redis: RedisServer;
  let service: RunningService;
  let alertmanager: ManagedBinary;
  let amUrl: string;

  const received = async (alertname: string, status: string) => {
    const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('alertworks_alerts_received_total{') &&
          l.includes(`alertname="${alertname}"`) &&
          l.includes(`status="${status}"`) &&
          l.includes('outcome="queued"'),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const post = async (alerts: unknown[]) => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    const config = parseConfig(
      `server: { port: 0, host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\nroutes:\n  # Named by equality, so the alertname label of alertworks_alerts_received_total keeps them\n  # (names matched only by a regex count as "other").\n  - { match: { alertname: VolumeUsageCritical }, status: any, action: notify }\n  - { match: { alertname: VolumeUsageWarning }, status: any, action: notify }\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\n`,
      'am-example.test.yaml',
      {},
    );
    service = await run({ role: 'all', config, env: {} });
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    const shipped = readFileSync(join(repo, 'config/alertmanager/alertmanager.yml'), 'utf8');
    alertmanager = new ManagedBinary(
      process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager',
      (dir) => {
        const tokenFile = join(dir, 'alertworks-webhook-token');
        writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
        const yaml = shipped
          .replace('http://alertworks-serve:8080/hooks/alertmanager', `http://127.0.0.1:${service.port}/hooks/alertmanager`)
          .replace('/run/secrets/alertworks_webhook_token', tokenFile)
          .replace(/group_wait: \w+/g, 'group_wait: 1s')
          .replace(/group_interval: \w+/g, 'group_interval: 1s');
        expect(yaml).toContain(tokenFile);
        writeFileSync(join(dir, 'alertmanager.yml'), yaml);
        return [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ];
      },
      `${amUrl}/-/ready`,
      'alertmanager',
    );
    await alertmanager.start();
  });

  afterAll(async () => {
    await alertmanager?.destroy();
    await service?.stop();
    await redis?.destroy();
  });

  it('delivers VolumeUsageCritical with the token from the file, and its resolution; not VolumeUsageWarning', async () => {
    const startsAt = new Date().toISOString();
    const labels = { instance: 'node1:9100', mountpoint: '/mnt/HC_Volume_4711', severity: 'critical' };
    await post([
      { labels: { alertname: 'VolumeUsageCritical', ...labels }, startsAt },
      { labels: { alertname: 'VolumeUsageWarning', ...labels, severity: 'warning' }, startsAt },
    ]);
    await waitFor('VolumeUsageCritical at alertworks', async () => (await received('VolumeUsageCritical', 'firing')) >= 1, 30_000, 250);

    await post([{ labels: { alertname: 'VolumeUsageCritical', ...labels }, startsAt, endsAt: new Date().toISOString() }]);
    await waitFor('the resolution at alertworks', async () => (await received('VolumeUsageCritical', 'resolved')) >= 1, 30_000, 250);

    // Same group timings: had the warning been routed to alertworks it would have arrived by now.
    expect(await received('VolumeUsageWarning', 'firing')).toBe(0);
    const unauthorized = (await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text())
      .split('\n')
      .filter((l) => l.startsWith('alertworks_http_requests_total{') && l.includes('status="401"'));
    expect(unauthorized).toEqual([]);
  });
});
