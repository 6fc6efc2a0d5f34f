import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient as Redis } from '../../src/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { AppConfig } from '../../src/config/schema.js';
import type { ChatMessage, ChatNotifier, ChatRef } from '../../src/notify/notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { createLogger } from '../../src/observability/logger.js';
import { registry } from '../../src/observability/metrics.js';
import { tlsCheck, type TlsCheck, type TlsDetails } from '../../checks/types/tls.js';
import { TlsInventory } from '../../src/tls/inventory.js';
import { TestPki, TlsTestServer, generateCert } from '../support/certs.js';
import { RedisServer } from '../support/redis-server.js';
import { observeProbe } from '../../checks/check-metrics.js';
import { PushReporter } from '../../src/observability/pushgateway.js';

/** Records what would go to Slack: root posts, thread replies and root updates. */
class RecordingNotifier implements ChatNotifier {
  readonly kind = 'recording';
  readonly posts: Array<{ text: string; threadTs?: string; ts: string }> = [];
  readonly updates: Array<{ ts: string; text: string }> = [];
  private seq = 0;
  async post(message: ChatMessage, threadTs?: string): Promise<ChatRef> {
    const ts = `${++this.seq}.000`;
    this.posts.push({ text: message.text, ts, ...(threadTs ? { threadTs } : {}) });
    return { channel: '#ops', ts };
  }
  async update(ref: ChatRef, message: ChatMessage): Promise<void> {
    this.updates.push({ ts: ref.ts, text: message.text });
  }
  since(n: number) {
    return this.posts.slice(n).map((p) => p.text);
  }
}

const logger = createLogger({ level: 'silent' });

describe('tls check against live TLS servers (real Redis)', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let pki: TestPki;
  let dir: string;
  let caFile: string;
  const servers: TlsTestServer[] = [];
  const notifier = new RecordingNotifier();
  let threads: IncidentThreads;
  let config: AppConfig;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = redisServer.client();
    pki = TestPki.create('live-int');
    dir = mkdtempSync(join(tmpdir(), 'aw-tls-int-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    config = parseConfig(`redis: { url: "${redisServer.url}", prefix: "{awtest}" }\n`, 'test.yaml', {});
    threads = new IncidentThreads(redis, notifier, config.redis.prefix);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    redis?.disconnect();
    await redisServer?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(chain: { chainPem: string; keyPem: string }): Promise<TlsTestServer> {
    const server = await TlsTestServer.start(chain);
    servers.push(server);
    return server;
  }

  function checkFor(name: string, server: TlsTestServer, serverName: string): TlsCheck {
    return tlsCheck.schema.parse({ name, type: 'tls', target: server.target, serverName, caFile, timeout: '5s' });
  }

  async function runCheck(check: TlsCheck) {
    const result = await tlsCheck.probe(check, { signal: AbortSignal.timeout(10_000), logger });
    // What the runner does with every result: the type's declared probe metrics, then its hook.
    observeProbe(check, result, new PushReporter());
    await tlsCheck.onResult?.(check, result, { config, redis, threads, logger, audit: new AuditTrail(redis, config.redis.prefix) });
    return { result, details: result.details as unknown as TlsDetails };
  }

  const cases = [
    {
      name: 'leaf-3d',
      make: () => pki.leaf({ commonName: 'three.test', notAfterDays: 3 }),
      host: 'three.test',
      success: true,
      level: 'critical',
      reason: undefined,
      says: /CRITICAL: three\.test .*expires in [23] days/,
    },
    {
      name: 'leaf-10d',
      make: () => pki.leaf({ commonName: 'ten.test', notAfterDays: 10 }),
      host: 'ten.test',
      success: true,
      level: 'warning',
      reason: undefined,
      says: /WARNING: ten\.test .*expires in (9|10) days/,
    },
    {
      name: 'leaf-30d',
      make: () => pki.leaf({ commonName: 'thirty.test', notAfterDays: 30 }),
      host: 'thirty.test',
      success: true,
      level: 'ok',
      reason: undefined,
      says: undefined,
    },
    {
      name: 'leaf-expired',
      make: () => pki.leaf({ commonName: 'old.test', notBeforeDays: -90, notAfterDays: -2 }),
      host: 'old.test',
      success: false,
      level: 'expired',
      reason: 'expired',
      says: /EXPIRED: old\.test .*expired on/,
    },
    {
      name: 'not-yet-valid',
      make: () => pki.leaf({ commonName: 'future.test', notBeforeDays: 2, notAfterDays: 60 }),
      host: 'future.test',
      success: false,
      level: 'ok',
      reason: 'not_yet_valid',
      says: /future\.test .*is not valid yet \(not_yet_valid/,
    },
    {
      name: 'self-signed',
      make: () => pki.selfSigned({ commonName: 'self.test', notAfterDays: 60 }),
      host: 'self.test',
      success: false,
      level: 'ok',
      reason: 'self_signed',
      says: /self\.test .*is self-signed \(self_signed/,
    },
    {
      name: 'wrong-host',
      make: () => pki.leaf({ commonName: 'other.test', notAfterDays: 60 }),
      host: 'api.test',
      success: false,
      level: 'ok',
      reason: 'hostname_mismatch',
      says: /api\.test .*does not cover the name .*hostname_mismatch/,
    },
  ] as const;

  it.each(cases)('$name -> level $level, reason $reason, notified once', async (c) => {
    const server = await serve(c.make());
    const check = checkFor(c.name, server, c.host);
    const before = notifier.posts.length;

    const first = await runCheck(check);
    expect(first.result.success).toBe(c.success);
    expect(first.details.level).toBe(c.level);
    expect(first.details.tlsReason).toBe(c.reason);
    if (c.reason) expect(first.result.failureReason).toBe('tls');
    else expect(first.result.failureReason).toBeUndefined();
    const said = notifier.since(before);
    if (c.says) {
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(c.says);
    } else {
      expect(said).toEqual([]);
    }

    // Re-runs say nothing new.
    await runCheck(check);
    await runCheck(check);
    expect(notifier.posts.length).toBe(before + said.length);
  });

  it('reports the whole chain: leaf, intermediate and the root OpenSSL completed it with', async () => {
    const server = await serve(pki.leaf({ commonName: 'chain.test', notAfterDays: 45 }));
    const { result, details } = await runCheck(checkFor('chain', server, 'chain.test'));
    expect(result.success).toBe(true);
    expect(details.chainVerified).toBe(true);
    const chain = details.certificates[0]!.chain;
    expect(chain.map((c) => c.subject)).toEqual(['CN=chain.test', 'CN=live-int intermediate', 'CN=live-int root CA']);
    expect(chain.map((c) => c.trustAnchor)).toEqual([false, false, true]);
    expect(details.leafExpirySeconds).toBe(chain[0]!.notAfterSeconds);
    // Earliest among served certificates = the leaf (the intermediate lives 5 years).
    expect(details.earliestExpirySeconds).toBe(chain[0]!.notAfterSeconds);
    expect(details.lastChainExpirySeconds).toBe(chain[0]!.notAfterSeconds);
    expect(result.phases.connect).toBeGreaterThanOrEqual(0);
    expect(result.phases.tls).toBeGreaterThan(0);

    const metrics = await registry.metrics();
    expect(metrics).toContain(`probe_ssl_earliest_cert_expiry{check="chain"} ${chain[0]!.notAfterSeconds}`);
    expect(metrics).toContain(`probe_ssl_last_chain_expiry_timestamp_seconds{check="chain"} ${chain[0]!.notAfterSeconds}`);
    expect(metrics).toContain(
      `alertworks_tls_cert_not_after_seconds{check="chain",cn="chain.test",fingerprint="${chain[0]!.fingerprint.slice(0, 12)}"} ${chain[0]!.notAfterSeconds}`,
    );
    expect(metrics).toMatch(
      new RegExp(`alertworks_tls_cert_days_left\\{check="chain",cn="chain.test",fingerprint="${chain[0]!.fingerprint.slice(0, 12)}"\\} (44\\.9\\d|45)\\n`),
    );
  });

  it('an intermediate that expires before the leaf: earliest expiry is the intermediate, the level follows the leaf', async () => {
    const shortIntermediate = generateCert({ commonName: 'short intermediate', isCa: true, issuer: pki.ca, notBeforeDays: -30, notAfterDays: 20 });
    const leaf = generateCert({ commonName: 'inter.test', issuer: shortIntermediate, keys: pki.leafKeys, notAfterDays: 60 });
    const server = await serve({ chainPem: leaf.certPem + shortIntermediate.certPem, keyPem: leaf.keyPem });
    const { result, details } = await runCheck(checkFor('inter', server, 'inter.test'));
    expect(result.success).toBe(true);
    const [leafInfo, interInfo] = details.certificates[0]!.chain;
    expect(details.leafExpirySeconds).toBe(leafInfo!.notAfterSeconds);
    expect(details.earliestExpirySeconds).toBe(interInfo!.notAfterSeconds);
    expect(details.level).toBe('ok');
  });

  it('without the caFile the same chain is untrusted', async () => {
    const server = await serve(pki.leaf({ commonName: 'noca.test', notAfterDays: 45 }));
    const check = tlsCheck.schema.parse({ name: 'noca', type: 'tls', target: server.target, serverName: 'noca.test' });
    const { result, details } = await runCheck(check);
    expect(result.success).toBe(false);
    expect(details.tlsReason).toBe('untrusted_chain');
    expect(details.verifyError).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    expect(await registry.metrics()).not.toContain('probe_ssl_last_chain_expiry_timestamp_seconds{check="noca"}');

    // verify: false -> the broken chain is still reported, but only dates and names judge the check.
    const lenient = tlsCheck.schema.parse({ name: 'noca-lenient', type: 'tls', target: server.target, serverName: 'noca.test', verify: false });
    const second = await runCheck(lenient);
    expect(second.result.success).toBe(true);
    expect(second.details).toMatchObject({ chainVerified: false, verifyError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(second.details.tlsReason).toBeUndefined();
  });

  it('a renewed certificate swapped onto the server -> exactly one "renewed" message, levels reset', async () => {
    const old = pki.leaf({ commonName: 'renew.test', notAfterDays: 5 });
    const server = await serve(old);
    const check = checkFor('renew', server, 'renew.test');
    const before = notifier.posts.length;
    await runCheck(check);
    expect(notifier.since(before)).toEqual([expect.stringMatching(/CRITICAL: renew\.test/)]);
    const root = notifier.posts[notifier.posts.length - 1]!;

    server.serve(pki.leaf({ commonName: 'renew.test', notAfterDays: 90 }));
    const renewed = await runCheck(check);
    await runCheck(check);
    await runCheck(check);
    const said = notifier.since(before + 1);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/renew\.test \(check renew\) renewed, now (89|90) days left/);
    // Said in the incident's thread, and the thread's first message now says so too.
    expect(notifier.posts[notifier.posts.length - 1]!.threadTs).toBe(root.ts);
    expect(notifier.updates.at(-1)).toMatchObject({ ts: root.ts, text: expect.stringMatching(/renewed/) });
    expect(renewed.details.level).toBe('ok');
    // One audit record (the Grafana marker's source), however often the renewal is seen again.
    const records = await new AuditTrail(redis, config.redis.prefix).query({ kind: 'renewed' });
    expect(records.map((r) => [r.action, r.summary])).toEqual([
      ['tls-check', expect.stringMatching(/^certificate .+ renewed: renew\.test, valid until \d{4}-\d\d-\d\d$/)],
    ]);

    // Old series gone, new one present.
    const metrics = await registry.metrics();
    const newFp = renewed.details.certificates[0]!.leaf.fingerprint.slice(0, 12);
    expect(metrics.match(/alertworks_tls_cert_days_left\{check="renew"/g)).toHaveLength(1);
    expect(metrics).toContain(`fingerprint="${newFp}"`);
  });

  it('an acme.json with 3 domains -> 3 certificates tracked with their days left', async () => {
    const days = [5, 12, 60];
    const leaves = days.map((d, i) => pki.leaf({ commonName: `site${i}.test`, sans: [`site${i}.test`, `www.site${i}.test`], notAfterDays: d }));
    const acmePath = join(dir, 'acme.json');
    writeFileSync(
      acmePath,
      JSON.stringify({
        letsencrypt: {
          Account: { Email: 'ops@example.com', PrivateKey: 'QUNDT1VOVEtFWQ==' },
          Certificates: leaves.map((leaf, i) => ({
            domain: { main: `site${i}.test`, sans: [`www.site${i}.test`] },
            certificate: Buffer.from(leaf.chainPem).toString('base64'),
            key: Buffer.from(leaf.keyPem).toString('base64'),
            Store: 'default',
          })),
        },
      }),
    );
    const check = tlsCheck.schema.parse({ name: 'traefik-acme', type: 'tls', acmeJson: acmePath, caFile });
    const before = notifier.posts.length;
    const { result, details } = await runCheck(check);
    expect(result.success).toBe(true);
    expect(details.certificates.map((c) => [c.name, c.level])).toEqual([
      ['site0.test', 'critical'],
      ['site1.test', 'warning'],
      ['site2.test', 'ok'],
    ]);
    expect(notifier.since(before)).toHaveLength(2);
    expect(JSON.stringify(details)).not.toContain('PRIVATE KEY');

    const tracked = (await new TlsInventory(redis, config.redis.prefix).list()).certificates.filter((t) => t.check === 'traefik-acme');
    expect(tracked.map((t) => [t.name, Math.round(t.daysLeft)])).toEqual([
      ['site0.test', 5],
      ['site1.test', 12],
      ['site2.test', 60],
    ]);
    expect(tracked.every((t) => t.kind === 'acme' && t.issuer === 'CN=live-int intermediate')).toBe(true);
  });

  it('an unreachable endpoint is a connect failure, not a certificate report', async () => {
    const server = await serve(pki.leaf({ commonName: 'gone.test', notAfterDays: 30 }));
    await server.stop();
    const check = checkFor('gone', server, 'gone.test');
    const { result } = await runCheck(check);
    expect(result).toMatchObject({ success: false, failureReason: 'connect' });
    expect(result.details).toBeUndefined();
  });
});
