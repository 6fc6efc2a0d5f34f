import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackNotifier } from '../../src/notify/slack-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { waitFor } from '../support/ports.js';
import { ScriptedServer, selfSignedCert } from '../support/check-targets.js';

/**
 * alertworks as operators run it (a child process, role all), its checks scheduled by BullMQ in
 * a real Redis, notifications to the fake Slack: an outage gives one DOWN, a crash of the
 * process in the middle of announcing repeats nothing and holds nothing back, recovery gives one UP; the tls type runs on the same
 * scheduler; /metrics carries the blackbox names.
 */
let redis: RedisServer;
let slack: FakeSlack;
let web: ScriptedServer;
let secure: ScriptedServer;
let config: string;

beforeAll(async () => {
  const cert = selfSignedCert('localhost');
  const caFile = join(mkdtempSync(join(tmpdir(), 'aw-e2e-ca-')), 'ca.pem');
  writeFileSync(caFile, cert.cert);
  [redis, slack, web, secure] = await Promise.all([
    RedisServer.start({ persist: true }),
    new FakeSlack().start(),
    ScriptedServer.start(),
    ScriptedServer.start(cert),
  ]);
  config = `redis: { url: "${redis.url}" }
checks:
  - { name: web, type: http, url: "${web.url('/api/health')}", interval: 1s, expect: { status: [200], bodyRegex: "ok" } }
  - { name: web-cert, type: tls, target: "localhost:${secure.port}", caFile: "${caFile}", interval: 1s }
`;
});
afterAll(async () => {
  await Promise.all([redis.destroy(), slack.stop(), web.stop(), secure.stop()]);
});

const env = () => ({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: '#ops' });
const about = (name: string) => slack.messages.filter((m) => m.text.includes(`*${name}*`)).map((m) => m.text);

describe('checks pipeline', () => {
  it('one DOWN, a crash repeats nothing, one UP; tls on the same scheduler; blackbox metrics', async () => {
    // This deployment has posted before, so it knows the channel's id: history look-ups (which
    // take ids, not names) can find a message whose poster died before recording it.
    const client = redis.client();
    await new IncidentThreads(client, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), '{alertworks}').say('warm-up', {
      text: 'warm-up',
    });
    client.disconnect();
    web.respond(500, 'down');
    let service = await ServiceProcess.start({ config, env: env(), insecureNoAuth: true });
    try {
      await waitFor('tls check ran', async () => (await (await fetch(`${service.url}/metrics`)).text()).includes('probe_success{check="web-cert"} 1'), 30_000);
      // Slack takes the DOWN message but answers late: the process is killed while it is
      // announcing (holding the check's announce lease and the thread's), before it recorded
      // what it said.
      slack.answerDelayMs = 5_000;
      await waitFor('DOWN for web', () => about('web').some((t) => /is DOWN/.test(t)), 30_000);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toContain('probe_success{check="web"} 0');
      expect(metrics).toContain('probe_http_status_code{check="web"} 500');
      expect(metrics).toContain('alertworks_check_up{check="web"} 0');
    } finally {
      await service.stop('SIGKILL');
      slack.answerDelayMs = 0;
    }

    service = await ServiceProcess.start({ config, env: env(), insecureNoAuth: true });
    try {
      const before = web.requests.length;
      await waitFor('three more probes after the restart', () => web.requests.length >= before + 3, 30_000);
      expect(about('web').filter((t) => /is DOWN/.test(t))).toHaveLength(1);
      web.respond(200, 'ok');
      // The killed process's leases free themselves within seconds: the UP is not held back.
      await waitFor('UP for web', () => about('web').some((t) => /is UP again/.test(t)), 15_000);
      expect(about('web')).toHaveLength(2);
      expect(slack.threads().filter((t) => t.root.text.includes('*web*'))).toHaveLength(1);
      expect(about('web-cert').filter((t) => /is DOWN/.test(t))).toHaveLength(0);
    } finally {
      await service.stop('SIGTERM');
    }
  });
});
