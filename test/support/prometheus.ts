import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedBinary } from './binary.js';
import { freePort } from './ports.js';

export interface PrometheusOptions {
  /** Scrape jobs: name -> targets (host:port); honorLabels for a Pushgateway. */
  scrape?: { job: string; targets: string[]; honorLabels?: boolean; metricsPath?: string }[];
  /** Rule file contents (YAML), written beside the config. */
  rules?: string;
  /** Alertmanager host:port to send alerts to. */
  alertmanager?: string;
  /** Scrape and evaluation interval. @defaultValue 1s */
  interval?: string;
}

/** The real Prometheus (Debian prometheus) on loopback with a short scrape/eval interval. */
export class Prometheus {
  private constructor(
    readonly port: number,
    private readonly bin: ManagedBinary,
  ) {}

  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const port = await freePort();
    const bin = new ManagedBinary(
      process.env.PROMETHEUS_BIN ?? 'prometheus',
      (dir) => {
        if (options.rules) writeFileSync(join(dir, 'rules.yml'), options.rules);
        writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(options));
        return [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ];
      },
      `http://127.0.0.1:${port}/-/ready`,
      'prometheus',
    );
    await bin.start();
    return new Prometheus(port, bin);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Instant query; returns the result vector. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query failed: ${body.error}`);
    return body.data?.result ?? [];
  }

  async stop(): Promise<void> {
    await this.bin.destroy();
  }
}

export function prometheusConfig(o: PrometheusOptions): string {
  const interval = o.interval ?? '1s';
  const scrape = (o.scrape ?? [])
    .map(
      (s) => `  - job_name: '${s.job}'
    honor_labels: ${s.honorLabels ? 'true' : 'false'}
    metrics_path: '${s.metricsPath ?? '/metrics'}'
    static_configs:
      - targets: [${s.targets.map((t) => `'${t}'`).join(', ')}]`,
    )
    .join('\n');
  return `global:
  scrape_interval: ${interval}
  evaluation_interval: ${interval}
${o.rules ? "rule_files: ['rules.yml']\n" : ''}${o.alertmanager ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${o.alertmanager}']\n` : ''}scrape_configs:
${scrape || "  - job_name: 'self'\n    static_configs:\n      - targets: ['127.0.0.1:1']"}
`;
}
