import { Hono } from 'hono';
import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { mountHistoryApi } from '../../src/history/history-api.js';
import { LogNotifier } from '../../src/notify/log-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRedis, waitForRedis } from '../../src/redis.js';
import { requireAuth } from '../../src/server/auth.js';
import { mountStatusPage } from '../../src/status/status-page.js';
import { executeCheck, findCheck } from '../../checks/check-runner.js';
import type { CheckType, ProbeResult } from '../../checks/check-type.js';
import { RedisServer } from '../support/redis-server.js';

/**
 * A scripted day of probes through the scheduled job's own function (executeCheck) with a fake
 * clock: one run a minute for 24 h, two outages and a lone failure. The uptime and the
 * transitions the API and the page report must be what the script implies, to the second.
 */
const TOKEN = 'history-test-token-0123456789';
const T0 = Date.parse('2026-11-22T00:00:00Z');
const MIN = 60_000;
/** Each result is recorded 7 s after its scheduled minute (the probe's wall time + queueing). */
const LAG = 7_000;
const atRun = (i: number) => T0 + i * MIN + LAG;
/** Runs 100–109 and 1000–1029 fail (two outages); run 600 fails alone (below the threshold). */
const failing = (i: number) => (i >= 100 && i <= 109) || i === 600 || (i >= 1000 && i <= 1029);

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => server.destroy());

describe('a scripted day of probes', () => {
  it('reports uptime and transitions exactly as injected, after alertworks restarts', async () => {
    const yaml = `redis: { url: "${server.url}", prefix: "{hist}" }
server: { auth: { bearerTokens: ["${TOKEN}"] } }
checks:
  - { name: api, type: http, url: "http://127.0.0.1:9/never-probed", interval: 1m, failureThreshold: 2, successThreshold: 1 }
`;
    const config = parseConfig(yaml, 'history-test.yaml', {});
    const logger = createLogger({ level: 'silent' });
    let run = 0;
    // The real http type with a scripted probe: same schema, phases, reasons and metrics.
    const scripted: CheckType = {
      ...findCheck(config, 'api')!.type,
      probe: async (): Promise<ProbeResult> =>
        failing(run)
          ? { success: false, durationSeconds: 2, phases: {}, failureReason: 'http_status', statusCode: 503, error: 'upstream unavailable' }
          : { success: true, durationSeconds: 0.1 + (run % 60) / 1000, phases: {}, statusCode: 200 },
    };
    const { check } = findCheck(config, 'api')!;
    const writer = createRedis(server.url, 'worker');
    const threads = new IncidentThreads(writer, new LogNotifier(logger, '#ops'), '{hist}');
    for (run = 1; run <= 1440; run++) {
      const now = atRun(run);
      await executeCheck(check, scripted, T0 + run * MIN, { config, redis: writer, threads, logger, clock: () => now });
    }
    // A retried job (same runAt) changes nothing.
    run = 1440;
    await executeCheck(check, scripted, T0 + 1440 * MIN, { config, redis: writer, threads, logger, clock: () => atRun(1440) });
    await writer.quit();

    // "Restart": a new process reads what the old one wrote.
    const reader: Redis = createRedis(server.url, 'producer');
    await waitForRedis(reader, 5_000);
    const now = atRun(1440);
    const app = new Hono();
    const auth = requireAuth(config.server.auth);
    mountStatusPage(app, auth, { config, redis: reader, clock: () => now });
    mountHistoryApi(app, auth, { config, redis: reader, clock: () => now });
    const headers = { Authorization: `Bearer ${TOKEN}` };

    const api = (await (await app.request('/api/checks/api', { headers })).json()) as {
      uptime: Record<string, { upSeconds: number; downSeconds: number; ratio: number; complete: boolean }>;
      transitions: { at: string; to: string; from: string; previousStateSeconds: number; reason?: string }[];
      responseTimes: { probes: number; successes: number }[];
    };
    // UP from run 1; DOWN at the 2nd failure of each outage; UP at the first success after it.
    const iso = (i: number) => new Date(atRun(i)).toISOString();
    expect(api.transitions).toEqual([
      { at: iso(1030), to: 'up', from: 'down', previousStateSeconds: 29 * 60 },
      { at: iso(1001), to: 'down', from: 'up', previousStateSeconds: (1001 - 110) * 60, reason: 'http_status: HTTP 503: upstream unavailable' },
      { at: iso(110), to: 'up', from: 'down', previousStateSeconds: 9 * 60 },
      { at: iso(101), to: 'down', from: 'up', previousStateSeconds: (101 - 1) * 60, reason: 'http_status: HTTP 503: upstream unavailable' },
      { at: iso(1), to: 'up', from: 'unknown', previousStateSeconds: 0 },
    ]);
    // Window [now - 24 h, now]: known from run 1 on (1439 minutes), DOWN 9 + 29 minutes.
    const down = (9 + 29) * 60;
    const known = 1439 * 60;
    expect(api.uptime['24h']).toEqual({ upSeconds: known - down, downSeconds: down, ratio: (known - down) / known, complete: true });
    expect(api.uptime['30d']).toEqual(api.uptime['24h']);
    const probes = api.responseTimes.reduce((s, b) => s + b.probes, 0);
    const successes = api.responseTimes.reduce((s, b) => s + b.successes, 0);
    // 288 five-minute buckets end with the one now falls in (00:00–00:05 of the next day), so the
    // first bucket (runs 1–4) has left the ring: runs 5–1440, every failure among them.
    expect([probes, probes - successes]).toEqual([1436, 10 + 1 + 30]);

    const html = await (await app.request('/status', { headers })).text();
    const pct = (Math.floor(((known - down) / known) * 10_000) / 100).toFixed(2);
    expect(html).toContain(`<td data-col="uptime24h">${pct}%</td>`);
    expect(html).toContain('DOWN for 29m');
    expect(html).toContain(`<td data-col="duration">UP for 14h 51m</td>`);
    expect(html).toContain(`${iso(1001).replace(/\.\d{3}Z$/, 'Z')}`);
    expect(html).toMatch(/<svg class="spark"[^>]*>.*<polyline points="[\d., ]+"\/>/);
    await reader.quit();
  });
});
