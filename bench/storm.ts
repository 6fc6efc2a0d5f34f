/**
 * Alert storm drain: 10,000 alerts arriving as 200 Alertmanager webhooks of 50, routed to
 * `notify`, posted to a Slack stand-in (test/fakes/slack.ts, the same API). Time from the first
 * request until the last message is posted, against a raw BullMQ producer + worker making the
 * same Slack call per job (bench/targets/raw-storm.ts), in the same run, rounds alternating.
 * Asserts exactly one message per alert on both sides.
 *
 *   npm run bench:storm           (BENCH_STORM_WEBHOOKS=200, BENCH_STORM_ALERTS=50, BENCH_ROUNDS=2;
 *                                  BENCH_CPU_PROF=DIR profiles the alertworks process,
 *                                  BENCH_RAW_CPU_PROF=DIR the raw baseline; BENCH_LOG_LEVEL)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/fakes/slack.js';
import { freePort, waitFor } from '../test/support/ports.js';
import { RedisServer } from '../test/support/redis-server.js';
import { cpuProfileFlags, productNodeFlags, startNode, type NodeChild } from './support/child.js';
import { cpuSeconds } from './support/cpu.js';
import { alertmanagerBody } from './support/payload.js';
import { fmt, printHeader, table, targetsTable, type Target } from './support/report.js';

const WEBHOOKS = Number(process.env.BENCH_STORM_WEBHOOKS ?? 200);
const PER_WEBHOOK = Number(process.env.BENCH_STORM_ALERTS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Webhooks in flight at once (Alertmanager sends each group's notification on its own). */
const SENDERS = 4;
const TOKEN = 'bench-storm-token-0123456789abcdef';
const TOTAL = WEBHOOKS * PER_WEBHOOK;
/** The product's default worker concurrency (jobs.concurrency), used by both sides. */
const CONCURRENCY = 8;

interface Drain {
  seconds: number;
  messages: number;
  postCalls: number;
  /** CPU seconds of the process(es) under test, per alert, in µs. */
  cpuMicrosPerAlert: number;
}

async function untilPosted(slack: FakeSlack, started: number, timeoutMs = 240_000): Promise<number> {
  await waitFor(`${TOTAL} Slack messages (have ${slack.messages.length})`, () => slack.messages.length >= TOTAL, timeoutMs, 20);
  const last = Math.max(...slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.at));
  return (last - started) / 1000;
}

/** Messages counted after a quiet second: a late duplicate would show. */
async function settled(slack: FakeSlack): Promise<{ messages: number; postCalls: number }> {
  await new Promise((r) => setTimeout(r, 1_000));
  return { messages: slack.messages.length, postCalls: slack.calls.filter((c) => c.method === 'chat.postMessage' && c.ok).length };
}

export async function benchStorm(): Promise<{ targets: Target[] }> {
  printHeader(`storm drain: ${fmt(TOTAL)} alerts as ${WEBHOOKS} webhooks of ${PER_WEBHOOK} -> notify -> Slack stand-in`);
  const tmp = mkdtempSync(join(tmpdir(), 'aw-storm-'));
  const redis = await RedisServer.start();
  const admin = redis.client();
  const children: NodeChild[] = [];
  try {
    const alertworks = async (round: number): Promise<Drain> => {
      await admin.flushall();
      const slack = await new FakeSlack().start();
      const port = await freePort();
      writeFileSync(
        join(tmp, 'alertworks.yaml'),
        `redis: { url: "${redis.url}" }\nserver: { host: 127.0.0.1 }\njobs: { concurrency: ${CONCURRENCY} }\nroutes:\n  - { match: { alertname: HostDiskWillFillIn24Hours }, action: notify }\n`,
      );
      // One `all` process (receiver + workers), as the default deployment runs it; info logs (BENCH_LOG_LEVEL).
      const child = startNode('src/cli.ts', ['all', '--config', join(tmp, 'alertworks.yaml')], {
        env: {
          PORT: String(port),
          WEBHOOK_TOKEN: TOKEN,
          SLACK_BOT_TOKEN: slack.token,
          SLACK_API_URL: slack.apiUrl,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        },
        discardStdout: true,
        nodeFlags: [...productNodeFlags(), ...cpuProfileFlags(process.env.BENCH_CPU_PROF)],
      });
      children.push(child);
      try {
        await waitFor('alertworks ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 60_000);
        const bodies = Array.from({ length: WEBHOOKS }, (_, i) => alertmanagerBody(PER_WEBHOOK, `storm-${round}-${i}`));
        const cpu0 = cpuSeconds(child.proc.pid!);
        const started = Date.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: SENDERS }, async () => {
            while (next < bodies.length) {
              const body = bodies[next++]!;
              const res = await fetch(`http://127.0.0.1:${port}/hooks/alertmanager`, {
                method: 'POST',
                headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
                body,
              });
              if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
            }
          }),
        );
        const seconds = await untilPosted(slack, started);
        const cpu = cpuSeconds(child.proc.pid!) - cpu0;
        return { seconds, ...(await settled(slack)), cpuMicrosPerAlert: (cpu * 1e6) / TOTAL };
      } finally {
        await child.stop();
        await slack.stop();
      }
    };

    const raw = async (): Promise<Drain> => {
      await admin.flushall();
      const slack = await new FakeSlack().start();
      const child = startNode(
        'bench/targets/raw-storm.ts',
        [redis.url, slack.apiUrl, slack.token, String(WEBHOOKS), String(PER_WEBHOOK), String(CONCURRENCY)],
        {
          nodeFlags: cpuProfileFlags(process.env.BENCH_RAW_CPU_PROF),
        },
      );
      children.push(child);
      try {
        const { at } = (await child.waitFor('started', 60_000)) as { at: number };
        const cpu0 = cpuSeconds(child.proc.pid!);
        const seconds = await untilPosted(slack, at);
        const cpu = cpuSeconds(child.proc.pid!) - cpu0;
        return { seconds, ...(await settled(slack)), cpuMicrosPerAlert: (cpu * 1e6) / TOTAL };
      } finally {
        await child.stop();
        await slack.stop();
      }
    };

    const rounds: { raw: Drain; aw: Drain }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await raw();
      const a = await alertworks(i);
      rounds.push({ raw: r, aw: a });
      process.stdout.write(
        `round ${i + 1}/${ROUNDS}: raw BullMQ ${r.seconds.toFixed(2)} s (${r.messages} messages) | alertworks ${a.seconds.toFixed(2)} s (${a.messages} messages) | ratio ${(a.seconds / r.seconds).toFixed(2)}\n`,
      );
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
    };
    const ratio = median(rounds.map((r) => r.aw.seconds / r.raw.seconds));
    // CPU per alert of the process(es) under test: steadier than wall time on a shared machine.
    const cpuRatio = median(rounds.map((r) => r.aw.cpuMicrosPerAlert / r.raw.cpuMicrosPerAlert));
    const exact = rounds.every((r) => r.aw.messages === TOTAL && r.aw.postCalls === TOTAL && r.raw.messages === TOTAL);
    process.stdout.write(
      `\n${table(
        ['round', 'raw BullMQ + Slack call (s)', 'alertworks all (s)', 'ratio', 'alertworks messages / chat.postMessage', 'CPU µs per alert raw / alertworks'],
        rounds.map((r, i) => [
          String(i + 1),
          r.raw.seconds.toFixed(2),
          r.aw.seconds.toFixed(2),
          (r.aw.seconds / r.raw.seconds).toFixed(2),
          `${r.aw.messages} / ${r.aw.postCalls}`,
          `${fmt(r.raw.cpuMicrosPerAlert)} / ${fmt(r.aw.cpuMicrosPerAlert)}`,
        ]),
      )}\n\n`,
    );
    const targets: Target[] = [
      {
        name: `storm drain (${fmt(TOTAL)} alerts) / raw BullMQ + same Slack call`,
        goal: '<= 1.5x',
        measured: `${ratio.toFixed(2)}x (median of ${ROUNDS})`,
        met: ratio <= 1.5,
      },
      { name: 'storm: CPU per alert / raw (alertworks includes its receiver)', goal: 'report', measured: `${cpuRatio.toFixed(2)}x`, met: undefined },
      { name: 'storm: exactly one Slack message per alert', goal: `${fmt(TOTAL)}`, measured: rounds.map((r) => String(r.aw.messages)).join(', '), met: exact },
    ];
    process.stdout.write(`${targetsTable(targets)}\n`);
    return { targets };
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    admin.disconnect();
    await redis.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchStorm();
  process.exit(0);
}
