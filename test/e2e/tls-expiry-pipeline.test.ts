import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { Alertmanager } from '../support/alertmanager.js';
import { TestPki, TlsTestServer } from '../support/certs.js';
import { waitFor } from '../support/ports.js';
import { Prometheus } from '../support/prometheus.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';

const TOKEN = 'e2e-tls-webhook-token-0123456789';
const DAY_S = 86_400;

/**
 * The whole path of a stale TLS alert: Traefik's metric (served by a stand-in exporter, still
 * showing the old certificate's notAfter) -> real Prometheus rule TlsCertExpiringSoon -> real
 * Alertmanager -> alertworks (child process) -> tls-verify reads the live, already renewed
 * certificate -> Slack (fake Web API) says the alert is stale.
 */
describe('Traefik metric -> Prometheus -> Alertmanager -> tls-verify -> Slack', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let live: TlsTestServer;
  let traefik: Server;
  let prometheus: Prometheus;
  let am: Alertmanager;
  let service: ServiceProcess;
  let dir: string;

  beforeAll(async () => {
    const pki = TestPki.create('e2e');
    dir = mkdtempSync(join(tmpdir(), 'aw-tls-e2e-'));
    writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
    [redis, slack, live] = await Promise.all([
      RedisServer.start(),
      new FakeSlack().start(),
      TlsTestServer.start(pki.leaf({ commonName: 'shop.example.test', notAfterDays: 88 })),
    ]);

    // Traefik still reports the old certificate: 5 days left.
    const staleNotAfter = Math.floor(Date.now() / 1000) + 5 * DAY_S;
    traefik = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        '# HELP traefik_tls_certs_not_after Certificate expiration timestamp\n# TYPE traefik_tls_certs_not_after gauge\n' +
          `traefik_tls_certs_not_after{cn="shop.example.test",sans="shop.example.test",serial="1234"} ${staleNotAfter}\n`,
      );
    });
    await new Promise<void>((resolve) => traefik.listen(0, '127.0.0.1', resolve));

    service = await ServiceProcess.start({
      config: [
        `redis: { url: "${redis.url}" }`,
        'jobs: { backoff: 200ms }',
        'tlsVerify:',
        `  caFile: ${join(dir, 'ca.pem')}`,
        `  names: [{ match: "*.example.test", target: "127.0.0.1:${live.port}" }]`,
        '',
      ].join('\n'),
      env: { WEBHOOK_TOKEN: TOKEN, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });
    am = await Alertmanager.start({
      webhookUrl: `${service.url}/hooks/alertmanager`,
      token: TOKEN,
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '1h',
    });
    prometheus = await Prometheus.start({
      scrape: [{ job: 'traefik', targets: [`127.0.0.1:${(traefik.address() as AddressInfo).port}`] }],
      alertmanager: `127.0.0.1:${am.port}`,
      rules: `groups:
  - name: tls
    rules:
      - alert: TlsCertExpiringSoon
        expr: (traefik_tls_certs_not_after - time()) / 86400 < 14
        labels: { severity: warning }
        annotations: { summary: "certificate {{ $labels.cn }} expires in less than 14 days" }
`,
    });
  });

  afterAll(async () => {
    await Promise.allSettled([prometheus?.stop(), am?.stop()]);
    await service?.stop();
    await Promise.allSettled([live?.stop(), slack?.stop(), new Promise<void>((r) => (traefik ? traefik.close(() => r()) : r()))]);
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the alert is stale: the live certificate was already renewed', async () => {
    const message = await waitFor(
      'the tls-verify message in Slack',
      () => slack.messages.find((m) => /TlsCertExpiringSoon for shop\.example\.test/.test(m.text)),
      60_000,
      250,
    );
    expect(message.text).toMatch(/already renewed\. The live certificate \(shop\.example\.test at 127\.0\.0\.1:\d+\) has 8[78] days left/);
    expect(message.text).toMatch(/the alert is stale and will clear/);

    // Alertmanager keeps the alert firing (repeat_interval 1h, group_interval 1s): nothing is said twice.
    await new Promise((r) => setTimeout(r, 3000));
    expect(slack.messages.filter((m) => /shop\.example\.test/.test(m.text))).toHaveLength(1);
    const jobs = await (await fetch(`${service.url}/metrics`)).text();
    expect(jobs).toMatch(/alertworks_jobs_total\{queue="tls-verify",action="tls-verify",outcome="renewed"\} 1/);
  });
});
