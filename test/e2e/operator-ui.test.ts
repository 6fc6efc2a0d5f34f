import { join } from 'node:path';
import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/schema.js';
import { run, type RunningService } from '../../src/main.js';
import { VolumeResizeState } from '../../actions/volume-resize/state.js';
import { recordResult } from '../../checks/check-state.js';
import { TlsInventory } from '../../src/tls/inventory.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { CheckHistory } from '../../src/history/check-history.js';
import { ARTIFACTS_DIR, launchChromium, type Browser } from '../support/chromium.js';
import { RedisServer } from '../support/redis-server.js';
import { volumeResizeSettingsSchema } from '../../actions/volume-resize/settings.js';

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
  /** The `now` the history was seeded around. */
  let seededAt: number;

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
        { name: 'legacy-api', type: 'http', intervalMs: 60_000, url: 'https://legacy.internal.example/health' },
      ],
      sections: {
        ...loaded.sections,
        volumeResize: volumeResizeSettingsSchema.parse({ maxSizeGb: 100, volumes: [{ id: 4711, name: 'data', maxSizeGb: 80 }] }),
      },
    };
    const now = Date.now();
    seededAt = now;
    const p = config.redis.prefix;
    // State as the check scheduler, the TLS check and the resize action write it, through their owners.
    const result = (success: boolean) =>
      success
        ? { success, durationSeconds: 0.1, phases: {} }
        : { success, durationSeconds: 2, phases: {}, failureReason: 'http_status' as const, statusCode: 503, error: 'expected status 200, got 503' };
    const checkRun = (name: string, at: number, success: boolean) =>
      recordResult(redis, p, { name, runAt: at, now: at, failureThreshold: 1, successThreshold: 1, result: result(success) });
    await checkRun('api-health', now - 7 * 60_000, false);
    await checkRun('api-health', now - 30_000, false);
    await checkRun('openai', now - 3 * DAY, true);
    await checkRun('openai', now - 60_000, true);
    await new TlsInventory(redis, p).saveTracked('api-cert', [
      {
        check: 'api-cert',
        name: 'api.internal.example:443',
        kind: 'live',
        commonName: 'api.internal.example',
        sans: ['api.internal.example'],
        issuer: 'CN=Test CA',
        notAfter: new Date(now + 5 * DAY + 3_600_000).toISOString(),
        fingerprint: 'ab'.repeat(32),
        level: 'critical',
        checkedAt: new Date(now - 600_000).toISOString(),
      },
    ]);
    await checkRun('legacy-api', now - 5 * DAY, true);
    await checkRun('legacy-api', now - 2 * 3_600_000, true);
    // Three hours of 1-minute results as the check runner records them: api-health UP, then
    // DOWN for the last 7 minutes (HTTP 503, slow); openai UP throughout.
    const history = new CheckHistory(redis, p);
    for (let m = 180; m >= 1; m--) {
      const at = now - m * 60_000 + 30_000;
      const down = at >= now - 7 * 60_000;
      await history.record({
        name: 'api-health',
        runAt: at,
        at,
        success: !down,
        durationSeconds: down ? 2 : 0.08 + (m % 20) / 1000,
        state: down ? 'down' : 'up',
        stateSince: down ? now - 7 * 60_000 : now - 180 * 60_000 + 30_000,
        reason: down ? 'http_status: HTTP 503: expected status 200, got 503' : undefined,
      });
      await history.record({
        name: 'openai',
        runAt: at,
        at,
        success: true,
        durationSeconds: 0.3 + (m % 30) / 100,
        state: 'up',
        stateSince: now - 180 * 60_000 + 30_000,
      });
    }
    const audit = new AuditTrail(redis, p);
    await audit.record({
      kind: 'resized',
      action: 'volume-resize',
      resource: 'volume 4711',
      summary: 'volume-resize: resized (volume 4711) 40 → 50 GB',
      links: { pr: 'https://github.example/acme/infra/pull/12', hetznerAction: '8812', slackThread: 'C0OPS00001/1764756000.000100' },
    });
    await audit.record({
      kind: 'refused',
      action: 'volume-resize',
      resource: 'volume 999 (from label volume_id)',
      summary: 'volume-resize: refused <not allowlisted>',
    });
    await new VolumeResizeState(redis, p).recordStatus(4711, { sizeGb: 50, lastResize: { at: now - 2 * 3_600_000, fromGb: 40, toGb: 50 } });
    await new VolumeResizeState(redis, p).recallCooldown(4711, 30 * 60_000, now - 2 * 3_600_000);

    service = await run({ role: 'serve', config });
    base = `http://127.0.0.1:${service.port}`;
    // One waiting job (serve has no workers) so the queue dashboard has something to show.
    const res = await fetch(`${base}/hooks/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="VolumeUsageCritical"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'alertworks',
        groupLabels: { alertname: 'VolumeUsageCritical' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'VolumeUsageCritical', mountpoint: '/mnt/HC_Volume_4711' },
            annotations: {},
            startsAt: new Date(now).toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus:9090',
            fingerprint: 'e2e0000000000001',
          },
        ],
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

  it.each(['/status', '/admin/queues', '/admin/queues/api/queues', '/api/audit', '/api/checks'])(
    'sends a browser without credentials on %s to the login form, showing nothing',
    async (path) => {
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
    },
  );

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

  it('shows uptime, response-time sparklines, stale results, transitions and the recent activity with links', async () => {
    const page = await browser.context.newPage();
    try {
      await page.setExtraHTTPHeaders({ Authorization: `Bearer ${TOKEN}` });
      await page.setViewportSize({ width: 1600, height: 900 });
      const requestedAt = Date.now();
      expect((await page.goto(`${base}/status`))?.status()).toBe(200);
      const answeredAt = Date.now();
      const api = page.locator('#checks tr', { hasText: 'api-health' });
      // UP 172.5 minutes, then DOWN for the last 7 plus the time from seeding to the request,
      // shown floored to 2 decimals: 96.10% at once, lower the longer a loaded machine takes.
      // (Exact to the millisecond with a fake clock: test/integration/check-history.test.ts.)
      const shown = (at: number) => Math.floor((172.5 / (179.5 + (at - seededAt) / 60_000)) * 10_000) / 100;
      const uptime = await api.locator('[data-col=uptime24h]').innerText();
      expect(uptime).toMatch(/^\d+\.\d\d%$/);
      expect(Number(uptime.slice(0, -1))).toBeGreaterThanOrEqual(shown(answeredAt));
      expect(Number(uptime.slice(0, -1))).toBeLessThanOrEqual(shown(requestedAt));
      expect(await page.locator('#checks tr', { hasText: 'openai' }).locator('[data-col=uptime30d]').innerText()).toBe('100%');
      const spark = api.locator('[data-col=responseTime] svg.spark');
      expect(await spark.count()).toBe(1);
      expect(await spark.locator('polyline').count()).toBeGreaterThan(0);
      expect(await spark.locator('.fail line').count()).toBeGreaterThan(0);
      const box = await spark.boundingBox();
      expect(box && box.width > 50 && box.height > 10).toBe(true);

      const legacy = page.locator('#checks tr', { hasText: 'legacy-api' });
      expect(await legacy.getAttribute('class')).toBe('warn');
      expect(await legacy.locator('[data-col=lastRun] .stale').innerText()).toBe('stale');

      const down = page.locator('#transitions tr', { hasText: 'api-health' });
      expect(await down.locator('[data-col=change]').innerText()).toBe('UP → DOWN');
      expect(await down.locator('[data-col=reason]').innerText()).toBe('http_status: HTTP 503: expected status 200, got 503');

      const resized = page.locator('#activity tr', { hasText: '40 → 50 GB' });
      expect(await resized.locator('[data-col=resource]').innerText()).toBe('volume 4711');
      expect(await resized.locator('[data-col=links] a').getAttribute('href')).toBe('https://github.example/acme/infra/pull/12');
      expect(await resized.locator('[data-col=links]').innerText()).toContain('Hetzner action 8812');
      expect(await page.locator('#activity tr', { hasText: 'refused' }).locator('[data-col=summary]').innerText()).toBe(
        'volume-resize: refused <not allowlisted>',
      );
      expect(await page.locator('script').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'status-history.png'), fullPage: true });
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
      await page
        .getByText('e2e0000000000001')
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(async (err: unknown) => {
          await page.screenshot({ path: join(ARTIFACTS_DIR, 'queue-dashboard-failed.png'), fullPage: true });
          throw err;
        });
      const queues = (await (await page.request.get(`${base}/admin/queues/api/queues`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as {
        queues: { name: string; counts: Record<string, number> }[];
      };
      expect(queues.queues.find((q) => q.name === 'notify')?.counts.waiting).toBe(1);
      // Every action queue and the checks queue are on the board.
      expect(queues.queues.map((q) => q.name).sort()).toEqual(['checks', 'notify', 'slack-interactions', 'tls-verify', 'volume-resize']);
      expect(failed).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'queue-dashboard.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
