import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';

const TOKEN = 'debug-decisions-token-0123456789';

async function post(base: string, alerts: { alertname: string; fingerprint: string }[]): Promise<void> {
  const res = await fetch(`${base}/hooks/alertmanager`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      version: '4', groupKey: 'g', truncatedAlerts: 0, status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
      alerts: alerts.map((a) => ({ status: 'firing', labels: { alertname: a.alertname }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: a.fingerprint })),
    }),
  });
  expect(res.status).toBe(200);
}

/** LOG_LEVEL=debug says what was decided for each alert and why nothing was done; info does not. */
describe.each(['debug', 'info'])('LOG_LEVEL=%s', (level) => {
  let redis: RedisServer;
  let service: ServiceProcess;
  beforeAll(async () => {
    redis = await RedisServer.start();
    service = await ServiceProcess.start({
      role: 'all',
      config: `server: { host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\nroutes: [{ match: { alertname: Routed }, action: notify }]\n`,
      env: { LOG_LEVEL: level },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
  });

  it(level === 'debug' ? 'logs the route each alert matched, or that none did, and each job\'s result' : 'keeps those lines out', async () => {
    await post(service.url, [{ alertname: 'Routed', fingerprint: 'd000000000000001' }, { alertname: 'Stray', fingerprint: 'd000000000000002' }]);
    await waitFor('the job done', () => service.logsWith('job done').length > 0, 30_000);
    const matched = service.logsWith('route 0 matched: queued for notify');
    const unmatched = service.logsWith('no route matched: acknowledged, nothing queued');
    const [done] = service.logsWith('job done');
    if (level === 'debug') {
      expect(matched).toEqual([expect.objectContaining({ level: 'debug', alertname: 'Routed', route: 0, action: 'notify', fingerprint: 'd000000000000001' })]);
      expect(unmatched).toEqual([expect.objectContaining({ alertname: 'Stray' })]);
      expect(done).toHaveProperty('result.outcome');
    } else {
      expect(matched).toEqual([]);
      expect(unmatched).toEqual([]);
      expect(done).not.toHaveProperty('result');
    }
  });
});
