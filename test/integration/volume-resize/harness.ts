import { Queue } from 'bullmq';
import { parseConfig } from '../../../src/config/load.js';
import { run, type RunningService } from '../../../src/main.js';
import { dedupKey, labelsFingerprint } from '../../../src/server/alertmanager-payload.js';
import { registry } from '../../../src/observability/metrics.js';
import type { FakeGitHub } from '../../fakes/github.js';
import type { FakeHetzner } from '../../fakes/hetzner.js';
import type { FakeSlack } from '../../fakes/slack.js';
import { waitFor } from '../../support/ports.js';

/** Environment that points alertworks at the fakes, through the product's own variables. */
export function fakeEnv(hetzner: FakeHetzner, github: FakeGitHub, slack: FakeSlack): Record<string, string> {
  return {
    HCLOUD_TOKEN: hetzner.token,
    HCLOUD_ENDPOINT: hetzner.url,
    GITHUB_TOKEN: github.token,
    GITHUB_API_URL: github.url,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
  };
}

export interface Harness {
  service: RunningService;
  url: string;
  queue: Queue;
  stop(): Promise<void>;
}

/** alertworks (receiver + workers) in this process, with the given YAML and environment. */
export async function startInProcess(yaml: string, env: Record<string, string>, redisUrl: string, prefix: string): Promise<Harness> {
  const config = parseConfig(yaml, 'test.yaml', { ...env, REDIS_URL: redisUrl, PORT: '0', HOST: '127.0.0.1' });
  const service = await run({ role: 'all', config, insecureNoAuth: true, env });
  const queue = new Queue('volume-resize', { connection: { url: redisUrl } as never, prefix });
  return {
    service,
    url: `http://127.0.0.1:${service.port}`,
    queue,
    async stop() {
      await queue.close();
      await service.stop();
    },
  };
}

export interface TestAlert {
  labels: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
}

export function payload(alerts: TestAlert[]) {
  return {
    version: '4',
    status: alerts[0]?.status ?? 'firing',
    receiver: 'alertworks',
    groupKey: '{}:{alertname="VolumeUsageCritical"}',
    externalURL: 'http://alertmanager.test',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'VolumeUsageCritical', ...a.labels },
      annotations: { summary: 'volume almost full' },
      startsAt: a.startsAt ?? '2026-11-22T05:00:00Z',
      endsAt: a.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    })),
  };
}

export async function postAlerts(url: string, alerts: TestAlert[]): Promise<number> {
  const res = await fetch(`${url}/hooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload(alerts)),
  });
  await res.text();
  return res.status;
}

export function jobId(a: TestAlert): string {
  const labels = { alertname: 'VolumeUsageCritical', ...a.labels };
  return dedupKey({ fingerprint: labelsFingerprint(labels), startsAt: a.startsAt ?? '2026-11-22T05:00:00Z', status: a.status ?? 'firing' });
}

/** Waits until the alert's job has finished (completed or failed for good) and returns it. */
export async function finishedJob(queue: Queue, a: TestAlert, timeoutMs = 30_000) {
  return waitFor(
    `job for ${JSON.stringify(a.labels)} to finish`,
    async () => {
      const seen = await queue.getJob(jobId(a));
      if (!seen) return undefined;
      const state = await seen.getState();
      if (state !== 'completed' && state !== 'failed') return undefined;
      // Read the job again: the copy fetched before it finished has no return value yet.
      const job = (await queue.getJob(jobId(a)))!;
      if (state === 'completed') return { state, result: job.returnvalue as Record<string, unknown>, attempts: job.attemptsMade, job };
      // A job that will be retried is delayed or waiting; `failed` is final.
      if (state === 'failed') {
        return { state, result: undefined, attempts: job.attemptsMade, job, reason: job.failedReason };
      }
      return undefined;
    },
    timeoutMs,
    100,
  );
}

/** Value of alertworks_volume_resize_total for one volume and outcome. */
export async function resizeCount(volume: string, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('alertworks_volume_resize_total')?.get();
  return metric?.values.find((v) => v.labels.volume === volume && v.labels.outcome === outcome)?.value ?? 0;
}

export async function sizeGauge(volume: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('alertworks_volume_size_gb')?.get();
  return metric?.values.find((v) => v.labels.volume === volume)?.value;
}
