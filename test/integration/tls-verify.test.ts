import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { run, type RunningService } from '../../src/main.js';
import { FakeSlack } from '../fakes/slack.js';
import { TestPki, TlsTestServer } from '../support/certs.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

const TOKEN = 'tls-verify-webhook-token-0001';

/**
 * A TlsCertExpiringSoon webhook through the real receiver, BullMQ queue and tls-verify worker
 * (real Redis), reported to a fake Slack Web API through the product's Slack client.
 */
describe('tls-verify: TlsCertExpiringSoon webhook -> live certificate check -> Slack', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: RunningService;
  let pki: TestPki;
  let renewedServer: TlsTestServer;
  let expiringServer: TlsTestServer;
  let dir: string;

  beforeAll(async () => {
    [redis, slack] = await Promise.all([RedisServer.start(), new FakeSlack().start()]);
    pki = TestPki.create('verify-int');
    dir = mkdtempSync(join(tmpdir(), 'aw-tls-verify-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    // The renewal already happened on the proxy: the live certificate has 89 days.
    renewedServer = await TlsTestServer.start(pki.leaf({ commonName: 'shop.example.test', notAfterDays: 89 }));
    expiringServer = await TlsTestServer.start(pki.leaf({ commonName: 'legacy.example.test', notAfterDays: 4 }));
    const config = parseConfig(
      [
        `server: { port: 0, host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }`,
        `redis: { url: "${redis.url}" }`,
        `slack: { channel: "#ops", token: "${slack.token}", apiUrl: "${slack.apiUrl}" }`,
        'jobs: { attempts: 2, backoff: 100ms }',
        'tlsVerify:',
        `  caFile: ${caFile}`,
        '  names:',
        `    - { match: shop.example.test, target: "127.0.0.1:${renewedServer.port}" }`,
        `    - { match: "*.example.test", target: "127.0.0.1:${expiringServer.port}" }`,
        '',
      ].join('\n'),
      'tls-verify.yaml',
      {},
    );
    // No `routes:` in the config: the tls-verify action's default route takes TlsCertExpiringSoon.
    service = await run({ role: 'all', config, logger: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([renewedServer?.stop(), expiringServer?.stop(), slack?.stop()]);
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sendAlert(labels: Record<string, string>, fingerprint: string): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${service.port}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'alertworks',
        groupLabels: { alertname: 'TlsCertExpiringSoon' },
        externalURL: 'http://alertmanager.example.test',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'TlsCertExpiringSoon', severity: 'warning', ...labels },
            annotations: { summary: 'certificate expires in less than 14 days' },
            startsAt: '2026-11-22T05:00:00Z',
            fingerprint,
          },
        ],
      }),
    });
    return res.status;
  }

  const said = (pattern: RegExp) => slack.messages.filter((m) => pattern.test(m.text));

  it('a name whose live certificate was already renewed -> "already renewed, the alert is stale"', async () => {
    expect(await sendAlert({ cn: 'shop.example.test', sans: 'shop.example.test', instance: 'traefik:8080' }, 'fp-shop')).toBe(200);
    const [message] = await waitFor('the tls-verify message', () => {
      const m = said(/shop\.example\.test/);
      return m.length > 0 ? m : undefined;
    });
    expect(message!.text).toMatch(/TlsCertExpiringSoon for shop\.example\.test: already renewed\. .* has 8[89] days left/);
    expect(message!.text).toMatch(/issuer CN=verify-int intermediate, SHA-256 [0-9a-f]{12}\); the alert is stale and will clear/);

    // Alertmanager re-sends the same occurrence: nothing new is said.
    expect(await sendAlert({ cn: 'shop.example.test', sans: 'shop.example.test', instance: 'traefik:8080' }, 'fp-shop')).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(said(/shop\.example\.test/)).toHaveLength(1);
  });

  it('a name still expiring -> "not renewed" with days left, issuer and fingerprint', async () => {
    expect(await sendAlert({ cn: 'legacy.example.test' }, 'fp-legacy')).toBe(200);
    const [message] = await waitFor('the tls-verify message', () => {
      const m = said(/legacy\.example\.test/);
      return m.length > 0 ? m : undefined;
    });
    expect(message!.text).toMatch(
      /legacy\.example\.test: not renewed\. .* still expires in [34] days \(expires .*, issuer CN=verify-int intermediate, SHA-256 [0-9a-f]{12}\)/,
    );
  });

  it('a name outside the allowlist is refused: no connection, said once', async () => {
    expect(await sendAlert({ cn: 'evil.attacker.test' }, 'fp-evil')).toBe(200);
    const [message] = await waitFor('the refusal', () => {
      const m = said(/evil\.attacker\.test/);
      return m.length > 0 ? m : undefined;
    });
    expect(message!.text).toMatch(/not checked, the name is not in the tlsVerify allowlist/);
  });
});
