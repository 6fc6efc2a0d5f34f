import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/schema.js';
import { run, type RunningService } from '../../src/main.js';
import { VolumeResizeState } from '../../workers/volume-resize/state.js';
import { ARTIFACTS_DIR, launchChromium, type Browser } from '../support/chromium.js';
import { RedisServer } from '../support/redis-server.js';

const TOKEN = 'e2e-operator-ui-token-0123456789';
const DAY = 86_400_000;

/**
 * The operator pages in a real browser: /status and /admin/queues of a running `serve`
 * process, with state in a real Redis, behind the receiver's bearer auth.
 */
describe('operator UI in headless Chromium', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let service: RunningService;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = redisServer.client();
    const loaded = parseConfig(
      `server: { port: 0, host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redisServer.url}" }\nroutes: [{ match: { alertname: VolumeUsageCritical }, action: notify }]\n`,
      'operator-ui.test.yaml',
      {},
    );
    // Checks and volumes as their feature sections would parse them (serve runs no checks).
    const config: AppConfig = {
      ...loaded,
      checks: [
        { name: 'api-health', type: 'http', intervalMs: 60_000, url: 'https://api.internal.example/api/health' },
        { name: 'openai', type: 'http', intervalMs: 300_000, url: 'https://api.openai.com/v1/models' },
        { name: 'api-cert', type: 'tls', intervalMs: 3_600_000, target: 'api.internal.example:443', warnDays: 14, criticalDays: 7 },
      ],
      sections: { ...loaded.sections, volumeResize: { maxSizeGb: 100, volumes: [{ id: 4711, name: 'data', maxSizeGb: 80 }] } },
    };
    const now = Date.now();
    const p = config.redis.prefix;
    // State as the check scheduler, the TLS check and the resize action write it.
    await redis.hset(`${p}:check:api-health`, {
      state: 'down', since: String(now - 7 * 60_000), lastReason: 'http_status', lastStatusCode: '503', lastError: 'expected status 200, got 503', lastResultAt: String(now - 30_000),
    });
    await redis.hset(`${p}:check:openai`, { state: 'up', since: String(now - 3 * DAY), lastResultAt: String(now - 60_000) });
    await redis.hset(`${p}:tls:tracked`, 'api-cert\napi.internal.example:443', JSON.stringify({
      check: 'api-cert', name: 'api.internal.example:443', kind: 'live', commonName: 'api.internal.example', sans: ['api.internal.example'], issuer: 'CN=Test CA',
      notAfter: new Date(now + 5 * DAY + 3_600_000).toISOString(), fingerprint: 'ab'.repeat(32), level: 'critical', checkedAt: new Date(now - 600_000).toISOString(),
    }));
    await new VolumeResizeState(redis, p).recordStatus(4711, { sizeGb: 50, lastResize: { at: now - 2 * 3_600_000, fromGb: 40, toGb: 50 } });
    await redis.set(`${p}:volume-resize:cooldown:4711`, String(now - 2 * 3_600_000), 'PX', 30 * 60_000);

    service = await run({ role: 'serve', config });
    base = `http://127.0.0.1:${service.port}`;
    // One waiting job (serve has no workers) so the queue dashboard has something to show.
    const res = await fetch(`${base}/hooks/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        version: '4', groupKey: '{}:{alertname="VolumeUsageCritical"}', truncatedAlerts: 0, status: 'firing', receiver: 'alertworks',
        groupLabels: { alertname: 'VolumeUsageCritical' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
        alerts: [{ status: 'firing', labels: { alertname: 'VolumeUsageCritical', mountpoint: '/mnt/HC_Volume_4711' }, annotations: {},
          startsAt: new Date(now).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090', fingerprint: 'e2e0000000000001' }],
      }),
    });
    expect(res.status).toBe(200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    redis?.disconnect();
    await redisServer?.destroy();
  });

  it.each(['/status', '/admin/queues', '/admin/queues/api/queues'])('sends a browser without credentials on %s to the login form, showing nothing', async (path) => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${base}${path}`);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('next')).toBe(path);
      expect(await page.content()).not.toContain('api.internal.example');
      // A script (no text/html) gets 401 with the way in.
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('api.internal.example');
    } finally {
      await page.close();
    }
  });

  it('shows checks with reason and since, certificates with days left, volumes with size, cap and last resize', async () => {
    const page = await browser.context.newPage();
    try {
      await page.setExtraHTTPHeaders({ Authorization: `Bearer ${TOKEN}` });
      const response = await page.goto(`${base}/status`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('alertworks status');

      const check = page.locator('#checks tr', { hasText: 'api-health' });
      expect(await check.getAttribute('class')).toBe('crit');
      expect(await check.locator('[data-col=state]').innerText()).toBe('DOWN');
      expect(await check.locator('[data-col=reason]').innerText()).toBe('http_status: HTTP 503: expected status 200, got 503');
      expect(await check.locator('[data-col=since]').innerText()).toContain('7m ago');
      expect(await page.locator('#checks tr', { hasText: 'openai' }).locator('[data-col=state]').innerText()).toBe('UP');

      const cert = page.locator('#certificates tr', { hasText: 'api.internal.example:443' });
      expect(await cert.locator('[data-col=daysLeft]').innerText()).toBe('5');
      expect(await cert.getAttribute('class')).toBe('crit');
      expect(await cert.locator('[data-col=check]').innerText()).toBe('api-cert');
      expect(await cert.locator('[data-col=subject]').innerText()).toBe('api.internal.example');

      const volume = page.locator('#volumes tr', { hasText: '4711' });
      expect(await volume.locator('[data-col=size]').innerText()).toBe('50');
      expect(await volume.locator('[data-col=cap]').innerText()).toBe('80');
      expect(await volume.locator('[data-col=lastResize]').innerText()).toMatch(/^40 → 50 GB, .*\(2h ago\)$/);
      expect(await volume.locator('[data-col=cooldown]').innerText()).toBe('30 min left');

      await page.screenshot({ path: join(ARTIFACTS_DIR, 'status-page.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('renders the queue dashboard with the notify queue and its waiting job', async () => {
    const page = await browser.context.newPage();
    try {
      await page.setExtraHTTPHeaders({ Authorization: `Bearer ${TOKEN}` });
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(base) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      const response = await page.goto(`${base}/admin/queues/queue/notify?status=waiting`);
      expect(response?.status()).toBe(200);
      // The React app loads its bundle and calls the API (all behind auth), then shows the job
      // the webhook stored, with the alert's fingerprint in its data.
      await page.getByText('e2e0000000000001').first().waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'queue-dashboard-failed.png'), fullPage: true });
        throw err;
      });
      const queues = (await (await page.request.get(`${base}/admin/queues/api/queues`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as {
        queues: { name: string; counts: Record<string, number> }[];
      };
      expect(queues.queues.find((q) => q.name === 'notify')?.counts.waiting).toBe(1);
      // Every action queue and the checks queue are on the board.
      expect(queues.queues.map((q) => q.name).sort()).toEqual(['checks', 'notify', 'tls-verify', 'volume-resize']);
      expect(failed).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'queue-dashboard.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
