import type { DemoFeatures } from './demo-config.js';
import type { HetznerStandIn, SlackStandIn } from './stand-ins.js';

export interface FlowResult {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
}

export interface FlowOptions {
  base: string;
  token: string;
  features: DemoFeatures;
  slack: SlackStandIn;
  hetzner: Pick<HetznerStandIn, 'volumeSize'>;
  print: (line: string) => void;
  timeoutMs: number;
  isStopping: () => boolean;
}

/** One sample of a Prometheus text exposition line matching name and labels, if any. */
export function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

async function until<T>(what: string, o: FlowOptions, deadline: number, fn: () => Promise<T | undefined>): Promise<T> {
  while (Date.now() < deadline && !o.isStopping()) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no ${what} within ${Math.round(o.timeoutMs / 1000)} s`);
}

const metrics = async (base: string) => (await fetch(`${base}/metrics`)).text();

/** The Alertmanager webhook (v4) for one firing VolumeUsageCritical, as Alertmanager sends it. */
function volumeAlert(now: Date) {
  const labels = {
    alertname: 'VolumeUsageCritical',
    severity: 'critical',
    automation: 'volume-resize',
    instance: 'node1:9100',
    mountpoint: '/mnt/HC_Volume_4711',
    device: '/dev/sdb',
    fstype: 'ext4',
  };
  return {
    version: '4',
    groupKey: '{}/{alertname=~"VolumeUsageCritical"}:{alertname="VolumeUsageCritical"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'alertworks',
    groupLabels: { alertname: 'VolumeUsageCritical' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.demo:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'Volume /mnt/HC_Volume_4711 on node1:9100 is 94% full' },
        startsAt: now.toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.demo:9090/graph',
        fingerprint: `demo${now.getTime().toString(16)}`,
      },
    ],
  };
}

async function volumeFlow(o: FlowOptions, deadline: number): Promise<FlowResult> {
  const name = 'VolumeUsageCritical -> resize';
  const queue = o.features.volumeResize ? 'volume-resize' : 'notify';
  o.print('[demo] flow 1: Alertmanager fires VolumeUsageCritical for /mnt/HC_Volume_4711 (94% full) -> POST /hooks/alertmanager');
  const res = await fetch(`${o.base}/hooks/alertmanager`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(volumeAlert(new Date())),
  });
  o.print(`[demo] flow 1: alertworks answered ${res.status} ${await res.text()}`);
  if (!o.features.volumeResize) o.print('[demo] flow 1: the volume-resize action is not in this build; the alert goes to the notify action');
  const outcome = await until(`finished ${queue} job`, o, deadline, async () => {
    const text = await metrics(o.base);
    const done = text
      .split('\n')
      .find((l) => l.startsWith('alertworks_jobs_total{') && l.includes(`queue="${queue}"`) && !l.includes('outcome="retry"') && !l.endsWith(' 0'));
    return done?.match(/outcome="([^"]*)"/)?.[1];
  });
  o.print(`[demo] flow 1: ${queue} job finished with outcome "${outcome}"`);
  const size = o.hetzner.volumeSize(4711);
  if (o.features.volumeResize) {
    const ok = (size ?? 0) > 40;
    return {
      name,
      status: ok ? 'ok' : 'failed',
      detail: ok ? `volume 4711 grew 40 -> ${size} GB (outcome ${outcome})` : `volume 4711 still ${size} GB (outcome ${outcome})`,
    };
  }
  const said = o.slack.messages.some((m) => m.text.includes('VolumeUsageCritical'));
  return { name, status: said ? 'ok' : 'failed', detail: said ? `reported in Slack (no resize action in this build; outcome ${outcome})` : 'no Slack message' };
}

async function checkFlow(o: FlowOptions, deadline: number): Promise<FlowResult> {
  const name = 'failing check shop-api';
  if (!o.features.httpCheck) return { name, status: 'skipped', detail: 'http checks do not run in this build (no http check type or no check runner)' };
  o.print('[demo] flow 2: check shop-api probes the failing stand-in endpoint every 5 s (DOWN after 2 failures)');
  const down = await until('DOWN state for shop-api', o, deadline, async () => {
    const text = await metrics(o.base);
    const up = sample(text, 'alertworks_check_up', { check: 'shop-api' });
    return up === 0 ? 'alertworks_check_up 0' : undefined;
  });
  const status = sample(await metrics(o.base), 'probe_http_status_code', { check: 'shop-api' });
  o.print(`[demo] flow 2: shop-api is DOWN (${down}${status ? `, HTTP ${status}` : ''})`);
  return { name, status: 'ok', detail: `DOWN${status ? ` (HTTP ${status})` : ''}` };
}

async function certFlow(o: FlowOptions, deadline: number): Promise<FlowResult> {
  const name = 'expiring certificate shop.demo.internal';
  if (!o.features.tlsCheck && !o.features.tlsVerify)
    return { name, status: 'skipped', detail: 'neither the tls check nor the tls-verify action is in this build' };
  const found: string[] = [];
  let ok = true;
  if (o.features.tlsVerify) {
    o.print('[demo] flow 3: Alertmanager fires TlsCertExpiringSoon for shop.demo.internal (Traefik rule) -> alertworks reads the live certificate');
    const res = await fetch(`${o.base}/hooks/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(certAlert(new Date())),
    });
    o.print(`[demo] flow 3: alertworks answered ${res.status} ${await res.text()}`);
    const outcome = await until('finished tls-verify job', o, deadline, async () => {
      const line = (await metrics(o.base))
        .split('\n')
        .find((l) => l.startsWith('alertworks_jobs_total{') && l.includes('queue="tls-verify"') && !l.includes('outcome="retry"') && !l.endsWith(' 0'));
      return line?.match(/outcome="([^"]*)"/)?.[1];
    });
    o.print(`[demo] flow 3: tls-verify says "${outcome}"`);
    ok &&= outcome === 'still_expiring';
    found.push(`tls-verify: ${outcome}`);
  }
  if (o.features.tlsCheck) {
    o.print('[demo] flow 3: check shop-cert reads the certificate of the stand-in TLS site every 10 s');
    const days = await until('days-left for shop-cert', o, deadline, async () =>
      sample(await metrics(o.base), 'alertworks_tls_cert_days_left', { check: 'shop-cert' }),
    );
    o.print(`[demo] flow 3: shop-cert has ${Math.floor(days)} days left (critical at <= 7)`);
    ok &&= days <= 7;
    found.push(`check shop-cert: ${Math.floor(days)} days left`);
  }
  return { name, status: ok ? 'ok' : 'failed', detail: found.join(', ') };
}

/** Alertmanager's webhook for Traefik's certificate rule (config/prometheus/alertworks-rules.yml). */
function certAlert(now: Date) {
  const labels = {
    alertname: 'TlsCertExpiringSoon',
    severity: 'warning',
    automation: 'tls-verify',
    cn: 'shop.demo.internal',
    sans: 'shop.demo.internal',
    serial: '01',
  };
  return {
    version: '4',
    groupKey: '{}:{alertname="TlsCertExpiringSoon"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'alertworks',
    groupLabels: { alertname: 'TlsCertExpiringSoon' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.demo:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'Certificate shop.demo.internal expires in 5 days' },
        startsAt: now.toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.demo:9090/graph',
        fingerprint: `democert${now.getTime().toString(16)}`,
      },
    ],
  };
}

/** Plays the three flows side by side, each bounded by the same deadline. */
export async function playFlows(o: FlowOptions): Promise<FlowResult[]> {
  const deadline = Date.now() + o.timeoutMs;
  const guard = (name: string, p: Promise<FlowResult>) => p.catch((err: unknown): FlowResult => ({ name, status: 'failed', detail: (err as Error).message }));
  return Promise.all([
    guard('VolumeUsageCritical -> resize', volumeFlow(o, deadline)),
    guard('failing check shop-api', checkFlow(o, deadline)),
    guard('expiring certificate shop.demo.internal', certFlow(o, deadline)),
  ]);
}
