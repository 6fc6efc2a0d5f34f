import { Hono } from 'hono';
import type { RedisClient } from '../redis.js';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseConfig } from '../config/load.js';
import type { AppConfig } from '../config/schema.js';
import { requireAuth } from '../server/auth.js';
import { ago } from './section.js';
import type { StatusSection } from './section.js';
import { mountStatusPage } from './status-page.js';
import { volumeResizeSettingsSchema } from '../../actions/volume-resize/settings.js';

type VolumeResizeInput = z.input<typeof volumeResizeSettingsSchema>;

const TOKEN = 'status-page-unit-token-0123';
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function configWith(checks: AppConfig['checks'], volumeResize?: VolumeResizeInput): AppConfig {
  const base = parseConfig(`server: { auth: { bearerTokens: ["${TOKEN}"] } }\n`, 'unit.yaml', {});
  return { ...base, checks, sections: { ...base.sections, ...(volumeResize ? { volumeResize: volumeResizeSettingsSchema.parse(volumeResize) } : {}) } };
}

/** A map stands in for Redis's reads here (real Redis: test/integration, test/e2e). */
function fakeRedis(hashes: Record<string, Record<string, string>>): RedisClient {
  const reads = {
    hgetall: async (key: string) => hashes[key] ?? {},
    lrange: async () => [],
    llen: async () => 0,
    getBuffer: async () => null,
    xrevrange: async () => [],
  };
  return {
    ...reads,
    pipeline: () => {
      const queued: Promise<unknown>[] = [];
      const p = {
        hgetall: (key: string) => (queued.push(reads.hgetall(key)), p),
        lrange: () => (queued.push(reads.lrange()), p),
        llen: () => (queued.push(reads.llen()), p),
        getBuffer: () => (queued.push(reads.getBuffer()), p),
        exec: async () => (await Promise.all(queued)).map((v) => [null, v]),
      };
      return p;
    },
    hvals: async (key: string) => Object.values(hashes[key] ?? {}),
    get: async () => null,
    pttl: async () => -2,
  } as unknown as RedisClient;
}

function appFor(config: AppConfig, redis: RedisClient, sections?: StatusSection[]): Hono {
  const app = new Hono();
  mountStatusPage(app, requireAuth(config.server.auth), { config, redis }, sections);
  return app;
}

const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

describe('/status', () => {
  it('answers 401 without credentials and does not render', async () => {
    const res = await appFor(configWith([]), fakeRedis({})).request('/status');
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('<table');
  });

  it('shows every configured item, with "not run yet" where no state is recorded', async () => {
    const config = configWith(
      [
        { name: 'api', type: 'http', intervalMs: 60_000 },
        { name: 'cert', type: 'tls', intervalMs: 3_600_000, target: 'a.example:443' },
      ],
      { maxSizeGb: 100, volumes: [{ id: 7 }] },
    );
    const html = await (await appFor(config, fakeRedis({})).request('/status', auth)).text();
    expect(html).toContain('not run yet');
    expect(html).toContain('not checked yet');
    expect(html).toContain('not seen yet');
    expect(html).toMatch(/<td data-col="cap">100<\/td>/);
  });

  it('escapes state read from RedisClient (check reasons can contain remote text)', async () => {
    const config = configWith([{ name: 'api', type: 'http', intervalMs: 60_000 }]);
    const redis = fakeRedis({
      '{alertworks}:check:api': { state: 'down', lastReason: 'assertion', lastError: '<script>alert(1)</script>', since: String(NOW) },
    });
    const html = await (await appFor(config, redis).request('/status', auth)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('marks a check whose last result is older than two intervals as stale, and a fresh one not', async () => {
    const config = configWith([
      { name: 'stopped', type: 'http', intervalMs: 60_000 },
      { name: 'fresh', type: 'http', intervalMs: 60_000 },
    ]);
    const now = Date.now();
    const redis = fakeRedis({
      '{alertworks}:check:stopped': { state: 'up', since: String(now - 3_600_000), lastResultAt: String(now - 10 * 60_000) },
      '{alertworks}:check:fresh': { state: 'up', since: String(now - 3_600_000), lastResultAt: String(now - 30_000) },
    });
    const html = await (await appFor(config, redis).request('/status', auth)).text();
    const row = (name: string) =>
      new RegExp(`<tr class="(\\w+)"><td class="level">\\w+</td><td data-col="name">${name}</td>.*?<td data-col="state">([^<]+)</td>`).exec(html)?.slice(1);
    expect(row('stopped')).toEqual(['warn', 'UP — STALE: no result for 10m']);
    expect(row('fresh')).toEqual(['ok', 'UP']);
  });

  it('lists tracked certificates soonest first with days left as of now, only for configured TLS checks', async () => {
    const config = configWith([{ name: 'edge', type: 'tls', intervalMs: 3_600_000, warnDays: 14, criticalDays: 7 }]);
    const cert = (name: string, days: number, check = 'edge') =>
      JSON.stringify({
        check,
        name,
        kind: 'live',
        commonName: name,
        notAfter: new Date(Date.now() + days * 86_400_000 + 3_600_000).toISOString(),
        checkedAt: new Date().toISOString(),
      });
    const redis = fakeRedis({
      '{alertworks}:tls:tracked': {
        'edge\na.example': cert('a.example', 30),
        'edge\nb.example': cert('b.example', 10),
        'gone\nc.example': cert('c.example', 1, 'gone'),
      },
    });
    const html = await (await appFor(config, redis).request('/status', auth)).text();
    const rows = [
      ...html.matchAll(/<tr class="(\w+)"><td class="level">\w+<\/td><td data-col="name">([^<]+)<\/td>.*?<td data-col="daysLeft">([^<]+)<\/td>/g),
    ].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['warn', 'b.example', '10'],
      ['ok', 'a.example', '30'],
    ]);
  });

  it('renders the other sections when one fails, naming the failure', async () => {
    const broken: StatusSection = {
      id: 'broken',
      title: 'Broken',
      columns: [{ key: 'a', label: 'A' }],
      empty: '',
      load: async () => {
        throw new Error('state unreadable');
      },
    };
    const fine: StatusSection = {
      id: 'fine',
      title: 'Fine',
      columns: [{ key: 'a', label: 'A' }],
      empty: '',
      load: async () => [{ level: 'ok', cells: { a: 'all good' } }],
    };
    const res = await appFor(configWith([]), fakeRedis({}), [broken, fine]).request('/status', auth);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('cannot load: state unreadable');
    expect(html).toContain('all good');
  });
});

describe('ago', () => {
  it.each([
    [5_000, '5s ago'],
    [10 * 60_000, '10m ago'],
    [5 * 3_600_000, '5h ago'],
    [3 * 86_400_000, '3d ago'],
  ])('%d ms -> %s', (delta, text) => {
    expect(ago(NOW - delta, NOW)).toBe(text);
  });
});
