import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { dedupKey } from '../../src/server/alertmanager-payload.js';

export const TOKEN = 'resilience-webhook-token-0123456789';

/** Config of a service that sends every alert (firing or resolved) to the notify action. */
export function notifyConfig(redisUrl: string, options: { server?: string; jobs?: string; extra?: string } = {}): string {
  return `redis: { url: "${redisUrl}" }\nserver: { host: 127.0.0.1${options.server ? `, ${options.server}` : ''} }\nroutes:\n  - { match: { alertname: "=~.+" }, status: any, action: notify }\njobs: { backoff: 200ms${options.jobs ? `, ${options.jobs}` : ''} }\n${options.extra ?? ''}`;
}

export interface DirectAlert {
  name: string;
  fingerprint: string;
  startsAt: string;
}

export function directAlert(name: string): DirectAlert {
  return { name, fingerprint: `fp-${name}`, startsAt: '2026-11-22T04:00:00.000Z' };
}

/** A v4 webhook body as Alertmanager sends it, for alerts posted straight to the receiver. */
export function webhookBody(alerts: readonly DirectAlert[]): string {
  return JSON.stringify({
    version: '4',
    receiver: 'alertworks',
    status: 'firing',
    groupKey: '{}:{}',
    externalURL: 'http://alertmanager.invalid:9093',
    alerts: alerts.map((a) => ({
      status: 'firing',
      labels: { alertname: a.name, severity: 'critical' },
      annotations: { summary: `${a.name} summary` },
      startsAt: a.startsAt,
      fingerprint: a.fingerprint,
    })),
  });
}

export function postWebhook(url: string, alerts: readonly DirectAlert[], signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: webhookBody(alerts),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Posts as Alertmanager does: a 5xx or a transport error is retried (with a short pause)
 * until accepted; a 4xx is final. Returns the final status and how many tries it took.
 */
export async function postUntilAccepted(url: string, alerts: readonly DirectAlert[], timeoutMs = 30_000): Promise<{ status: number; tries: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    const status = await postWebhook(url, alerts, AbortSignal.timeout(5_000)).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      () => 0,
    );
    if ((status >= 200 && status < 500) || Date.now() > deadline) return { status, tries };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The BullMQ job id of an alert occurrence (its dedup key). */
export function jobIdOf(a: DirectAlert): string {
  return dedupKey({ fingerprint: a.fingerprint, startsAt: a.startsAt, status: 'firing' });
}

/** The notify queue, read-only, for asserting on job states. */
export function notifyQueue(redisUrl: string): { queue: Queue; close(): Promise<void> } {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const queue = new Queue('notify', { connection, prefix: '{alertworks}' });
  return {
    queue,
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s*(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** How many times each key occurs. */
export function tally(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** The alert name of a Slack message written by the notify action ("FIRING: Name (sev) — ..."). */
export function alertNameOf(text: string): string {
  return text.split(':')[1]?.trim().split(' ')[0] ?? '';
}
