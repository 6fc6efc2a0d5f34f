import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/github.js';
import { FakeHetzner } from '../fakes/hetzner.js';
import { FakeSlack } from '../fakes/slack.js';
import { fakeEnv, postAlerts } from './volume-resize/harness.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';

const TOKEN = 'debug-decisions-token-0123456789';

async function post(base: string, alerts: { alertname: string; fingerprint: string }[]): Promise<void> {
  const res = await fetch(`${base}/hooks/alertmanager`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      version: '4',
      groupKey: 'g',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'r',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: '',
      alerts: alerts.map((a) => ({
        status: 'firing',
        labels: { alertname: a.alertname },
        annotations: {},
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: a.fingerprint,
      })),
    }),
  });
  expect(res.status).toBe(200);
}

/** LOG_LEVEL=debug says what was decided for each alert and why nothing was done; info does not. */
describe.each(['debug', 'info'])('LOG_LEVEL=%s', (level) => {
  let redis: RedisServer;
  let service: ServiceProcess;
  beforeAll(async () => {
    redis = await RedisServer.start();
    service = await ServiceProcess.start({
      role: 'all',
      config: `server: { host: 127.0.0.1, auth: { bearerTokens: ["${TOKEN}"] } }\nredis: { url: "${redis.url}" }\nroutes: [{ match: { alertname: Routed }, action: notify }]\n`,
      env: { LOG_LEVEL: level },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
  });

  it(level === 'debug' ? "logs the route each alert matched, or that none did, and each job's result" : 'keeps those lines out', async () => {
    await post(service.url, [
      { alertname: 'Routed', fingerprint: 'd000000000000001' },
      { alertname: 'Stray', fingerprint: 'd000000000000002' },
    ]);
    await waitFor('the job done', () => service.logsWith('job done').length > 0, 30_000);
    const matched = service.logsWith('route 0 matched: queued for notify');
    const unmatched = service.logsWith('no route matched: acknowledged, nothing queued');
    const [done] = service.logsWith('job done');
    if (level === 'debug') {
      expect(matched).toEqual([expect.objectContaining({ level: 'debug', alertname: 'Routed', route: 0, action: 'notify', fingerprint: 'd000000000000001' })]);
      expect(unmatched).toEqual([expect.objectContaining({ alertname: 'Stray' })]);
      expect(done).toHaveProperty('result.outcome');
    } else {
      expect(matched).toEqual([]);
      expect(unmatched).toEqual([]);
      expect(done).not.toHaveProperty('result');
    }
  });
});

/** Decisions that matter are in the log as well as in Slack, at info level. */
describe('volume-resize decisions in the log', () => {
  let redis: RedisServer;
  let hetzner: FakeHetzner;
  let github: FakeGitHub;
  let slack: FakeSlack;
  let service: ServiceProcess;
  beforeAll(async () => {
    [redis, hetzner, github, slack] = await Promise.all([RedisServer.start(), FakeHetzner.start(), FakeGitHub.start(), new FakeSlack().start()]);
    hetzner.addVolume({ id: 501, name: 'data', size: 50 });
    hetzner.addVolume({ id: 502, name: 'other', size: 20 });
    service = await ServiceProcess.start({
      role: 'all',
      config: `server: { host: 127.0.0.1 }\nredis: { url: "${redis.url}" }\ndryRun: true\nvolumeResize:\n  volumes: [{ id: 501 }]\n`,
      env: { ...fakeEnv(hetzner, github, slack), LOG_LEVEL: 'info' },
      insecureNoAuth: true,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await Promise.all([redis?.destroy(), hetzner?.stop(), github?.stop(), slack?.stop()]);
  });

  it('"would grow 50→63 GB" with where the dry run came from, and "refused: not allowlisted"', async () => {
    expect(await postAlerts(service.url, [{ labels: { volume_id: '501' } }, { labels: { volume_id: '502' } }])).toBe(200);
    const grow = await waitFor('the dry-run line', () => service.logs.find((l) => String(l.msg).startsWith('dry run (')), 30_000);
    expect(grow).toMatchObject({
      level: 'info',
      volume: 501,
      fromGb: 50,
      toGb: 63,
      msg: `dry run (dryRun: true in ${service.configFile}): would grow 50→63 GB, nothing changed`,
    });
    const refused = await waitFor('the refusal', () => service.logs.find((l) => l.msg === 'refused: volume not allowlisted (volumeResize.volumes)'), 30_000);
    expect(refused).toMatchObject({ level: 'warn', volume: 'volume 502 (from label volume_id)' });
    // The same decisions in Slack.
    await waitFor(
      'both in Slack',
      () =>
        slack.messages.some((m) => m.text.includes('would grow volume `data` (501) from *50 GB* to *63 GB*')) &&
        slack.messages.some((m) => m.text.includes('not in the `volumeResize.volumes` allowlist')),
      30_000,
    );
    expect(hetzner.resizePosts()).toEqual([]);
  });
});
