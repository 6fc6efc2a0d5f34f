import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { fakeEnv } from '../integration/volume-resize/harness.js';

const TOKEN = 'e2e-grafana-am-token-0123456';
const GRAFANA = 'https://grafana.example.com/sub';

/**
 * Grafana-managed alerts sent to an external Alertmanager (the real Debian binary) and from
 * there to alertworks: Grafana's private labels and annotations ride along (grafana/alerting
 * models/labels.go). A VolumeUsageCritical rule resizes its volume; the same rule in NoData
 * state (alertname DatasourceNoData, rulename VolumeUsageCritical) resizes nothing.
 */
describe('e2e: Grafana -> external Alertmanager -> alertworks', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let aw: ServiceProcess;
  let am: Alertmanager;

  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([
      RedisServer.start(),
      FakeHetzner.start({ actionDurationMs: 300 }),
      FakeGitHub.start(),
      new FakeSlack().start(),
    ]);
    hetzner.addVolume({ id: 4711, name: 'data', size: 20 });
    hetzner.addVolume({ id: 4712, name: 'logs', size: 20 });
    aw = await ServiceProcess.start({
      config: `
routes:
  - { match: { alertname: VolumeUsageCritical }, status: any, action: volume-resize }
  - { match: { alertname: "=~Datasource(NoData|Error)", rulename: "=~Volume.*" }, status: any, action: notify }
volumeResize:
  actionPollInterval: 250ms
  volumes: [{ id: 4711, name: data }, { id: 4712, name: logs }]
`,
      env: { REDIS_URL: redis.url, WEBHOOK_TOKEN: TOKEN, ...fakeEnv(hetzner, github, slack) },
    });
    am = await Alertmanager.start({ webhookUrl: `${aw.url}/hooks/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
  });

  afterAll(async () => {
    await am?.stop();
    await aw?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('resizes the volume of the firing rule once, with Grafana links and values in the thread; the NoData alert only notifies', async () => {
    const grafanaAnnotations = {
      __values__: '{"A":0.934,"C":1}',
      __value_string__: "[ var='A' value=0.934 ]",
      __dashboardUid__: 'volumes',
      __panelId__: '7',
      __orgId__: '1',
      runbook_url: 'https://runbooks.example.com/volume-full',
      summary: 'Volume almost full',
    };
    await am.post([
      {
        labels: { alertname: 'VolumeUsageCritical', grafana_folder: 'Storage', __alert_rule_uid__: 'vol-critical', mountpoint: '/mnt/HC_Volume_4711' },
        annotations: grafanaAnnotations,
        generatorURL: `${GRAFANA}/alerting/grafana/vol-critical/view?orgId=1`,
      },
      {
        labels: {
          alertname: 'DatasourceNoData',
          rulename: 'VolumeUsageCritical',
          grafana_folder: 'Storage',
          __alert_rule_uid__: 'vol-critical',
          mountpoint: '/mnt/HC_Volume_4712',
          datasource_uid: 'prom',
        },
        annotations: { ...grafanaAnnotations, __values__: '{}' },
        generatorURL: `${GRAFANA}/alerting/grafana/vol-critical/view?orgId=1`,
      },
    ]);

    const thread = await waitFor(
      'the resize thread',
      () => {
        const t = slack.threads().find((th) => th.root.text.includes('`data` (4711)'));
        return t?.replies.some((r) => r.text.includes('Hetzner resized')) ? t : undefined;
      },
      60_000,
      200,
    );
    const noData = await waitFor('the NoData notification', () => slack.messages.find((m) => m.text.includes('DatasourceNoData')), 30_000, 200);

    expect(hetzner.acceptedResizes().map((c) => c.path)).toEqual(['/volumes/4711/actions/resize']);
    expect(hetzner.volumes.get(4712)?.size).toBe(20);
    const context = JSON.stringify(thread.root.blocks);
    expect(context).toContain(`<${GRAFANA}/d/volumes?orgId=1|Dashboard>`);
    expect(context).toContain(`<${GRAFANA}/d/volumes?orgId=1&amp;viewPanel=7|Panel>`);
    expect(context).toContain('<https://runbooks.example.com/volume-full|Runbook>');
    expect(context).toContain('Values: A=0.934, C=1');
    // Grafana's bookkeeping labels are not shown; its folder is.
    expect(JSON.stringify(noData.blocks)).not.toContain('__alert_rule_uid__');
    expect(JSON.stringify(noData.blocks)).toContain('grafana_folder');
  });
});
