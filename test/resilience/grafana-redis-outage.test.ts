import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { grafanaBody, grafanaHeaders, type GrafanaAlertInput } from '../support/grafana-webhook.js';
import { waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { ServiceProcess } from '../support/service.js';
import { TOKEN, alertNameOf, notifyConfig, notifyQueue, tally } from './helpers.js';

const SECRET = 'grafana-outage-hmac-secret-0123';
const OUTAGE_MS = 30_000;
const signing = { secret: SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp' };

/**
 * Grafana never retries a failed webhook. With Redis stopped for 30 s while Grafana keeps
 * notifying (one new alert a second, each notification carrying the whole group so far, as
 * Grafana sends it), every delivery must be answered 2xx, and once Redis is back every alert
 * must reach Slack exactly once: the receiver's disk spool, replayed in order, deduplicated.
 */
describe('Redis stopped for 30 s while Grafana notifications arrive', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let service: ServiceProcess;
  let spoolDir: string;

  beforeAll(async () => {
    redis = await RedisServer.start({ persist: true });
    slack = await new FakeSlack().start();
    spoolDir = mkdtempSync(join(tmpdir(), 'aw-outage-spool-'));
    service = await ServiceProcess.start({
      config: notifyConfig(redis.url, {
        server: `spool: { dir: "${spoolDir}", replayInterval: 500ms }, auth: { hmac: { timestampHeader: X-Grafana-Alerting-Timestamp } }`,
      }),
      env: { WEBHOOK_TOKEN: TOKEN, GRAFANA_WEBHOOK_SECRET: SECRET, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await slack?.stop();
    await redis?.destroy();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('answers every delivery 2xx and processes every alert exactly once after Redis returns', async () => {
    const group: GrafanaAlertInput[] = [];
    const statuses: number[] = [];
    const notify = async () => {
      const body = JSON.stringify(grafanaBody(group));
      const res = await fetch(`${service.url}/hooks/grafana`, { method: 'POST', headers: grafanaHeaders(body, signing), body });
      await res.text();
      statuses.push(res.status);
    };
    const addAlert = (i: number) =>
      group.push({
        labels: { alertname: `GrafanaOutage${i}`, severity: 'critical', grafana_folder: 'Storage' },
        fingerprint: `outage-${i}`,
        startsAt: `2026-11-22T05:00:${String(i % 60).padStart(2, '0')}.5Z`,
      });

    for (let i = 0; i < 3; i++) {
      addAlert(i);
      await notify();
    }
    await waitFor('alerts sent before the outage to reach Slack', () => slack.messages.length >= 3, 30_000, 50);

    await redis.stop('SIGKILL');
    const stoppedAt = Date.now();
    let i = 3;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      addAlert(i++);
      await notify();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const spooled = readdirSync(spoolDir).filter((f) => f.endsWith('.json')).length;
    await redis.restart();
    const outageMs = Date.now() - stoppedAt;

    const names = group.map((a) => a.labels.alertname!);
    await waitFor(`${names.length} alerts in Slack`, () => new Set(slack.messages.map((m) => alertNameOf(m.text))).size === names.length, 60_000, 250);
    await waitFor('the spool to empty', () => readdirSync(spoolDir).length === 0, 30_000, 100);
    const { queue, close } = notifyQueue(redis.url);
    try {
      await waitFor(
        'the notify queue to drain',
        async () => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        30_000,
        100,
      );
    } finally {
      await close();
    }
    console.info(
      `grafana outage: Redis down ${outageMs} ms, ${statuses.length} deliveries (${spooled} spooled), ${names.length} alerts, ${slack.messages.length} Slack messages`,
    );
    expect(outageMs).toBeGreaterThanOrEqual(OUTAGE_MS);
    expect(spooled).toBeGreaterThanOrEqual(25);
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    const perAlert = tally(slack.messages.map((m) => alertNameOf(m.text)));
    expect([...perAlert.keys()].sort()).toEqual([...names].sort());
    for (const [name, n] of perAlert) expect(n, name).toBe(1);
  });
});
