import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedBinary } from './binary.js';
import { freePort } from './ports.js';

export interface AlertmanagerOptions {
  /** alertworks webhook URL, e.g. http://127.0.0.1:PORT/hooks/alertmanager */
  webhookUrl: string;
  /** Bearer token alertworks expects; written to a credentials file as operators do. */
  token?: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** Labels to group by; default '...' (every alert its own group). */
  groupBy?: string[];
  maxAlerts?: number;
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The real Alertmanager (Debian prometheus-alertmanager) on loopback, clustering off. */
export class Alertmanager {
  private constructor(
    readonly port: number,
    private readonly bin: ManagedBinary,
  ) {}

  static async start(options: AlertmanagerOptions): Promise<Alertmanager> {
    const port = await freePort();
    const bin = new ManagedBinary(
      process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager',
      (dir) => {
        const credentials = join(dir, 'alertworks-token');
        if (options.token) writeFileSync(credentials, options.token, { mode: 0o600 });
        writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(options, credentials));
        return [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ];
      },
      `http://127.0.0.1:${port}/-/ready`,
      'alertmanager',
    );
    await bin.start();
    return new Alertmanager(port, bin);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Posts alerts the way Prometheus does (API v2). */
  async post(alerts: PostedAlert[]): Promise<void> {
    const res = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    if (!res.ok) throw new Error(`alertmanager rejected alerts: ${res.status} ${await res.text()}`);
  }

  /** Alertmanager's own notification counters, from its /metrics. */
  async notificationStats(): Promise<{ total: number; failed: number }> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && l.includes('integration="webhook"'))
        .reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
    return { total: sum('alertmanager_notifications_total'), failed: sum('alertmanager_notifications_failed_total') };
  }

  async stop(): Promise<void> {
    await this.bin.destroy();
  }
}

export function alertmanagerConfig(o: AlertmanagerOptions, credentialsFile: string): string {
  const groupBy = (o.groupBy ?? ['...']).map((l) => `'${l}'`).join(', ');
  return `route:
  receiver: alertworks
  group_by: [${groupBy}]
  group_wait: ${o.groupWait ?? '1s'}
  group_interval: ${o.groupInterval ?? '1s'}
  repeat_interval: ${o.repeatInterval ?? '1h'}
receivers:
  - name: alertworks
    webhook_configs:
      - url: '${o.webhookUrl}'
        send_resolved: true
        max_alerts: ${o.maxAlerts ?? 0}
${o.token ? `        http_config:\n          authorization:\n            type: Bearer\n            credentials_file: '${credentialsFile}'\n` : ''}`;
}
