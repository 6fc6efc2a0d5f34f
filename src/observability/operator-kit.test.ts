import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from './metrics.js';
import { contractSeriesNames, metricContract, metricNamesIn } from './metric-contract.js';

const repo = resolve(import.meta.dirname, '../..');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const dashboardText = readFileSync(join(repo, 'config/grafana/dashboards/alertworks.json'), 'utf8');
const dashboard = JSON.parse(dashboardText) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
  annotations: { list: { name: string; datasource: { uid: string }; target?: { type: string; tags: string[] } }[] };
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const rules = parse(readFileSync(join(repo, 'config/prometheus/alertworks-rules.yml'), 'utf8')) as {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
};
const allowed = contractSeriesNames();

describe('metricNamesIn', () => {
  it.each([
    ['sum by (status) (rate(alertworks_http_requests_total{route="/x"}[5m]))', ['alertworks_http_requests_total']],
    ['histogram_quantile(0.95, sum by (le) (rate(a_bucket[$__rate_interval])))', ['a_bucket']],
    ['1 - (node_filesystem_avail_bytes{mountpoint=~"/mnt/.*"} / node_filesystem_size_bytes)', ['node_filesystem_avail_bytes', 'node_filesystem_size_bytes']],
    ['(max by (cn) (traefik_tls_certs_not_after) - time()) / 86400 < 14', ['traefik_tls_certs_not_after']],
    ['max by (instance) (alertworks:volume_used_ratio) > 0.9', ['alertworks:volume_used_ratio']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort());
  });
});

describe('Grafana dashboard', () => {
  it('has panels with unique ids that do not overlap', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `panel "${p.title}" overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it.each(panels.map((p) => [p.title, p] as const))('panel "%s" queries only contract metrics through the provisioned datasource', (_title, panel) => {
    expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
    for (const target of panel.targets ?? []) {
      expect(target.datasource?.uid).toBe('prometheus');
      const names = metricNamesIn(target.expr);
      expect(names.length, `no metric in ${target.expr}`).toBeGreaterThan(0);
      for (const name of names) expect(allowed, `${name} (panel "${panel.title}") is not in metric-contract.ts`).toContain(name);
    }
  });

  it('has check, volume and instance variables that the panels filter by, and no hard-coded localhost', () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, typeof v.query === 'string' ? v.query : v.query.query]));
    expect(vars).toMatchObject({
      check: 'label_values(alertworks_check_up, check)',
      volume: 'label_values(alertworks_volume_size_gb, volume)',
      instance: 'label_values(alertworks_http_requests_total, instance)',
    });
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    for (const name of ['check', 'volume', 'instance'])
      expect(
        exprs.some((e) => e.includes(`${name}=~"$${name}"`)),
        name,
      ).toBe(true);
    for (const name of ['alertworks_check_up', 'probe_success', 'alertworks_volume_size_gb', 'alertworks_http_requests_total']) {
      const unfiltered = exprs.filter((e) => metricNamesIn(e).includes(name) && !/=~"\$(check|volume|instance)"/.test(e));
      expect(unfiltered, name).toEqual([]);
    }
    expect(dashboardText).not.toMatch(/localhost|127\.0\.0\.1/);
  });

  it("shows alertworks' Grafana annotations (tag alertworks), an uptime panel and process CPU and memory", () => {
    expect(dashboard.annotations.list).toContainEqual(
      expect.objectContaining({
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        target: expect.objectContaining({ type: 'tags', tags: ['alertworks'] }),
      }),
    );
    const used = (title: RegExp) => panels.filter((p) => title.test(p.title)).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr)));
    expect(used(/uptime/i)).toContain('probe_success');
    expect(used(/CPU/)).toEqual(['alertworks_process_cpu_seconds_total']);
    expect(used(/memory/)).toContain('alertworks_process_resident_memory_bytes');
  });

  it('covers receiver, queues, jobs, volumes, checks and TLS', () => {
    const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr))));
    for (const name of [
      'alertworks_http_requests_total',
      'alertworks_http_request_duration_seconds_bucket',
      'alertworks_queue_jobs',
      'alertworks_jobs_total',
      'alertworks_volume_size_gb',
      'alertworks_volume_resize_total',
      'alertworks_check_up',
      'probe_http_duration_seconds',
      'alertworks_tls_cert_days_left',
    ]) {
      expect(used, name).toContain(name);
    }
  });

  it('is the dashboard the provisioning and compose files point at', () => {
    const provider = parse(readFileSync(join(repo, 'config/grafana/provisioning/dashboards/alertworks.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const datasource = parse(readFileSync(join(repo, 'config/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string }[] };
    expect(provider.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    expect(datasource.datasources.map((d) => d.uid)).toContain('prometheus');
    expect(readdirSync(join(repo, 'config/grafana/dashboards'))).toContain('alertworks.json');
  });
});

describe('alert rules', () => {
  const all = rules.groups.flatMap((g) => g.rules);

  it.each(all.map((r) => [r.alert ?? r.record, r] as const))('%s names only contract metrics', (_name, rule) => {
    const names = metricNamesIn(rule.expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(allowed, `${name} is not in metric-contract.ts`).toContain(name);
  });

  it('records every recording rule the contract lists', () => {
    const recorded = all.flatMap((r) => (r.record ? [r.record] : []));
    expect(recorded.sort()).toEqual(
      metricContract
        .filter((m) => m.source === 'rule')
        .map((m) => m.name)
        .sort(),
    );
  });
});

describe('contract', () => {
  it('core metrics are registered with the names the contract uses', async () => {
    const registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    for (const m of metricContract.filter((c) => c.source === 'core')) expect(registered, m.name).toContain(m.name);
  });
});
