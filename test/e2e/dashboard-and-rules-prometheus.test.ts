import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { run, type RunningService } from '../../src/main.js';
import { metricContract, metricNamesIn } from '../../src/observability/metric-contract.js';
import { waitFor } from '../support/ports.js';
import { Prometheus } from '../support/prometheus.js';
import { RedisServer } from '../support/redis-server.js';

const repo = resolve(import.meta.dirname, '../..');
const TOKEN = 'e2e-dashboard-token-0123456789';
const rulesYaml = readFileSync(join(repo, 'config/prometheus/alertworks-rules.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(join(repo, 'config/grafana/dashboards/alertworks.json'), 'utf8')) as {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
};
const core = new Set(
  metricContract.filter((m) => m.source === 'core').flatMap((m) => (m.histogram ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])),
);
/** What Grafana substitutes: its interval variables, and "All" (`.*`) for the check, volume and instance variables. */
const substitute = (expr: string) =>
  expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$(check|volume|instance)\b/g, '.*');
const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: substitute(t.expr) })));

/**
 * The shipped rules and every dashboard query against the real Prometheus scraping a running
 * alertworks: the rules load and evaluate without errors, every panel query is valid PromQL,
 * and the panels built only on the service's own metrics show data.
 */
describe('dashboard and rules in the real Prometheus', () => {
  let redis: RedisServer;
  let service: RunningService;
  let prometheus: Prometheus;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const config = parseConfig(
      `server: { port: 0, host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\nroutes: [{ match: { alertname: "=~.+" }, action: notify }]\n`,
      'dashboard.test.yaml',
      {},
    );
    service = await run({ role: 'all', config, env: {} });
    prometheus = await Prometheus.start({ rules: rulesYaml, scrape: [{ job: 'alertworks', targets: [`127.0.0.1:${service.port}`] }] });
    // A new occurrence each time (startsAt differs), so every webhook makes a job.
    const webhook = () =>
      fetch(`http://127.0.0.1:${service.port}/hooks/alertmanager`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          receiver: 'alertworks',
          alerts: [{ status: 'firing', labels: { alertname: 'DashboardProbe' }, annotations: {}, startsAt: new Date().toISOString() }],
        }),
      });
    // Requests spread over a few scrapes so rate() and increase() have two samples to work with.
    await waitFor(
      'receiver and job metrics in Prometheus',
      async () => {
        await webhook();
        const jobs = await prometheus.query('sum(increase(alertworks_jobs_total[1m])) > 0');
        const reqs = await prometheus.query('sum(rate(alertworks_http_requests_total{route="/hooks/alertmanager"}[1m])) > 0');
        return jobs.length > 0 && reqs.length > 0;
      },
      60_000,
      1000,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await service?.stop();
    await redis?.destroy();
  });

  it('loads every rule and evaluates each without error', async () => {
    const groups = await waitFor(
      'every rule evaluated',
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
          data: { groups: { name: string; rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] };
        };
        const rules = body.data.groups.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((r) => !r.lastEvaluation.startsWith('0001')) ? rules : undefined;
      },
      30_000,
      500,
    );
    expect(groups.map((r) => r.name)).toEqual(
      expect.arrayContaining(['VolumeUsageCritical', 'TlsCertExpiringSoon', 'CheckDown', 'AlertworksReceiverErrors', 'AlertworksQueueBacklog']),
    );
    for (const rule of groups)
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({ rule: rule.name, health: 'ok', error: '' });
  });

  it('fires none of the self-watching alerts for a healthy service', async () => {
    const alerts = await prometheus.query('ALERTS{alertname=~"Alertworks.*"}');
    expect(alerts).toEqual([]);
  });

  it.each(targets.map((t) => [t.panel, t.expr] as const))('panel "%s" is valid PromQL: %s', async (_panel, expr) => {
    await expect(prometheus.query(expr)).resolves.toBeDefined();
  });

  it.each(targets.filter((t) => metricNamesIn(t.expr).every((n) => core.has(n))).map((t) => [t.panel, t.expr] as const))(
    'panel "%s" shows data from the running service: %s',
    async (_panel, expr) => {
      const result = await prometheus.query(expr);
      expect(result.length, expr).toBeGreaterThan(0);
    },
  );
});
