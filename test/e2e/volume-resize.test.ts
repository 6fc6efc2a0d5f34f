import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { FakeGrafana } from '../fakes/grafana.js';
import { Alertmanager } from '../support/alertmanager.js';
import { waitFor } from '../support/ports.js';
import { Prometheus } from '../support/prometheus.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { fakeEnv } from '../integration/volume-resize/harness.js';

const GB = 1024 ** 3;
const VOLUME = 4711;
const MOUNT = `/mnt/HC_Volume_${VOLUME}`;
const TOKEN = 'e2e-webhook-token-0123456789';
const TF = `resource "hcloud_volume" "data" {
  name     = "data"
  size     = 20
  location = "fsn1"
  format   = "ext4"
}
`;
const RULES = `groups:
  - name: volumes
    rules:
      - alert: VolumeUsageCritical
        expr: (1 - node_filesystem_avail_bytes{mountpoint=~"/mnt/HC_Volume_.*"} / node_filesystem_size_bytes{mountpoint=~"/mnt/HC_Volume_.*"}) * 100 > 90
        labels: { severity: critical }
        annotations: { summary: "{{ $labels.mountpoint }} is {{ $value | humanize }}% full" }
`;

/** A node_exporter-style /metrics endpoint whose filesystem numbers the test sets. */
class NodeExporter {
  sizeBytes = 20 * GB;
  availBytes = 1 * GB;
  private server?: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      const labels = `device="/dev/sdb",fstype="ext4",mountpoint="${MOUNT}"`;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        [
          '# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.',
          '# TYPE node_filesystem_avail_bytes gauge',
          `node_filesystem_avail_bytes{${labels}} ${this.availBytes}`,
          '# HELP node_filesystem_size_bytes Filesystem size in bytes.',
          '# TYPE node_filesystem_size_bytes gauge',
          `node_filesystem_size_bytes{${labels}} ${this.sizeBytes}`,
          '',
        ].join('\n'),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('e2e: Prometheus -> Alertmanager -> alertworks grows a full Hetzner volume', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let grafana: FakeGrafana;
  let node: NodeExporter;
  let aw: ServiceProcess;
  let am: Alertmanager;
  let prom: Prometheus;

  beforeAll(async () => {
    [redis, hetzner, github, slack, node, grafana] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 1000 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
      new NodeExporter().start(),
      new FakeGrafana().start(),
    ]);
    hetzner.addVolume({ id: VOLUME, name: 'data', size: 20 });
    github.addRepo('acme/infra', { 'terraform/volumes.tf': TF }, { workflows: ['volume-resize.yml'] });
    aw = await ServiceProcess.start({
      config: `
volumeResize:
  actionPollInterval: 250ms
  volumes:
    - id: ${VOLUME}
      name: data
      filesystem: { workflow: { repo: acme/infra, workflow: volume-resize.yml, ref: main } }
      terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.data }
`,
      env: {
        REDIS_URL: redis.url,
        WEBHOOK_TOKEN: TOKEN,
        ...fakeEnv(hetzner, github, slack),
        GRAFANA_URL: grafana.url,
        GRAFANA_TOKEN: grafana.token,
      },
    });
    am = await Alertmanager.start({ webhookUrl: `${aw.url}/hooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
    prom = await Prometheus.start({
      scrape: [{ job: 'node', targets: [`127.0.0.1:${node.port}`] }],
      rules: RULES,
      alertmanager: `127.0.0.1:${am.port}`,
      interval: '1s',
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop(), node?.stop(), grafana?.stop()]);
  });

  const thread = () => slack.threads().find((t) => t.root.text.includes(`\`data\` (${VOLUME})`));

  it('grows 20 -> 30 GB once, dispatches the workflow once, opens one PR changing the size line, and the thread shows every step', async () => {
    const t = await waitFor(
      'the Slack thread to show the PR',
      () => {
        const th = thread();
        return th && th.replies.some((r) => r.text.includes('pull request')) ? th : undefined;
      },
      90_000,
      250,
    );

    expect(hetzner.volumes.get(VOLUME)?.size).toBe(30);
    expect(hetzner.resizePosts().map((c) => c.body)).toEqual([{ size: 30 }]);
    expect(github.dispatches).toEqual([
      {
        repo: 'acme/infra',
        workflow: 'volume-resize.yml',
        ref: 'main',
        inputs: { volume_id: String(VOLUME), size_gb: '30', linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${VOLUME}` },
      },
    ]);
    const pulls = github.pulls('acme/infra');
    expect(pulls).toHaveLength(1);
    const before = TF.split('\n');
    const after = github.fileAt('acme/infra', pulls[0]!.head, 'terraform/volumes.tf')!.split('\n');
    expect(after.length).toBe(before.length);
    expect(after.flatMap((l, i) => (l === before[i] ? [] : [[before[i], l]]))).toEqual([['  size     = 20', '  size     = 30']]);

    expect(t.root.text).toContain('Growing volume `data` (4711) from *20 GB* to *30 GB*');
    expect(t.replies.map((r) => r.text)).toEqual([
      expect.stringMatching(/Hetzner resized volume `data` \(4711\) from 20 GB to \*30 GB\* \(action \d+\)/),
      expect.stringContaining('Filesystem growth for volume `data` (4711) dispatched'),
      expect.stringContaining(`<${pulls[0]!.html_url}|#1>`),
    ]);

    const metrics = await (await fetch(`${aw.url}/metrics`)).text();
    expect(metrics).toContain('alertworks_volume_resize_total{volume="data",outcome="resized"} 1');
    expect(metrics).toContain('alertworks_volume_size_gb{volume="data"} 30');
    expect(metrics).toMatch(/alertworks_volume_resize_duration_seconds_count 1/);

    // One Grafana annotation for the resize (and one for its drift PR), tagged with the volume.
    await waitFor('the annotations', () => grafana.annotations.length >= 2, 10_000);
    expect(grafana.annotations.filter((a) => a.tags.includes('resized')).map((a) => a.tags)).toEqual([
      ['alertworks', 'volume-resize', 'resized', `volume-${VOLUME}`],
    ]);
    expect(grafana.withTag('drift-pr')).toHaveLength(1);
    // The audit trail: 401 without auth; with it, the alert taken in and the resize with its links.
    expect((await fetch(`${aw.url}/api/audit`)).status).toBe(401);
    const audit = (await (await fetch(`${aw.url}/api/audit?since=1h`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as {
      records: { kind: string; resource?: string; links?: Record<string, string> }[];
    };
    expect(audit.records.map((r) => r.kind).reverse()).toEqual(['received', 'resized', 'drift_pr']);
    expect(audit.records.find((r) => r.kind === 'resized')?.links?.pr).toBe(pulls[0]!.html_url);
  });

  it('when usage drops, the alert resolves and the thread says so', async () => {
    node.sizeBytes = 30 * GB;
    node.availBytes = 20 * GB;
    await waitFor('the resolution in the thread', () => thread()?.replies.some((r) => r.text.includes('Resolved: usage of volume `data` (4711)')), 90_000, 250);
    expect(hetzner.resizePosts()).toHaveLength(1);
    expect(github.dispatches).toHaveLength(1);
    expect(github.pulls('acme/infra')).toHaveLength(1);
    const resolved = await waitFor('the resolved audit record', async () => {
      const audit = (await (
        await fetch(`${aw.url}/api/audit?action=volume-resize&kind=resolved`, { headers: { Authorization: `Bearer ${TOKEN}` } })
      ).json()) as { records: { resource?: string }[] };
      return audit.records.length > 0 ? audit.records : undefined;
    });
    expect(resolved.map((r) => r.resource)).toEqual([`volume ${VOLUME}`]);
    expect(grafana.withTag('resized')).toHaveLength(1);
  });
});
