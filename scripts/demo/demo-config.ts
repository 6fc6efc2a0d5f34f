import type { DemoTargets } from './targets.js';

/** Which parts of alertworks this build has (the demo plays only what exists). */
export interface DemoFeatures {
  volumeResize: boolean;
  httpCheck: boolean;
  tlsCheck: boolean;
  /** The tls-verify action (TlsCertExpiringSoon from Alertmanager). */
  tlsVerify: boolean;
}

export interface DemoConfigOptions {
  features: DemoFeatures;
  redisUrl: string;
  token: string;
  /** Password of the `demo` basic-auth user, so a browser can open /status and /admin/queues. */
  password: string;
  /** Base URL and token of each stand-in. */
  slack: { url: string; token: string };
  hetzner: { url: string; token: string };
  github: { url: string; token: string };
  targets: Pick<DemoTargets, 'healthUrl' | 'tlsTarget' | 'serverName'>;
  /** PEM file trusting the stand-in site's self-signed certificate. */
  caFile: string;
}

/**
 * The demo's alertworks config, in the same YAML a user writes (it is saved next to the demo's
 * other temporary files, so a newcomer can read it). Short intervals so all flows finish
 * within a minute; the external APIs point at the stand-ins.
 */
export function demoConfigYaml(o: DemoConfigOptions): string {
  const lines = [
    '# alertworks demo config (written by scripts/demo.ts; APIs point at local stand-ins)',
    `server: { port: 0, host: 127.0.0.1, auth: { bearerTokens: ["${o.token}"], basic: [{ username: demo, password: "${o.password}" }] } }`,
    `redis: { url: "${o.redisUrl}" }`,
    `slack: { channel: "#ops", token: "${o.slack.token}", apiUrl: "${o.slack.url}" }`,
    `hetzner: { token: "${o.hetzner.token}", endpoint: "${o.hetzner.url}" }`,
    `github: { token: "${o.github.token}", apiUrl: "${o.github.url}" }`,
    'dryRun: false',
    'jobs: { backoff: 1s }',
    'routes:',
    '  - match: { alertname: VolumeUsageCritical }',
    `    action: ${o.features.volumeResize ? 'volume-resize' : 'notify'}`,
    ...(o.features.tlsVerify ? ['  - match: { alertname: TlsCertExpiringSoon }', '    action: tls-verify'] : []),
    '  - match: { alertname: "=~.+" }',
    '    status: any',
    '    action: notify',
  ];
  if (o.features.volumeResize) {
    lines.push(
      'volumeResize:',
      '  maxSizeGb: 100',
      '  stepPercent: 25',
      '  minStepGb: 10',
      '  cooldown: 1h',
      '  volumes:',
      '    - id: 4711',
      '      filesystem: { workflow: { repo: acme/infra, workflow: volume-resize.yml, ref: main } }',
      '      terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.data }',
    );
  }
  if (o.features.tlsVerify) {
    lines.push('tlsVerify:', `  names: [{ match: ${o.targets.serverName}, target: "${o.targets.tlsTarget}", caFile: "${o.caFile}" }]`);
  }
  const checks: string[] = [];
  if (o.features.httpCheck) {
    checks.push(
      `  - { name: shop-api, type: http, url: "${o.targets.healthUrl}", interval: 5s, timeout: 2s, failureThreshold: 2, successThreshold: 1, expect: { status: [200] } }`,
    );
  }
  if (o.features.tlsCheck) {
    checks.push(
      `  - { name: shop-cert, type: tls, target: "${o.targets.tlsTarget}", serverName: ${o.targets.serverName}, caFile: "${o.caFile}", interval: 10s, warnDays: 14, criticalDays: 7 }`,
    );
  }
  if (checks.length > 0) lines.push('checks:', ...checks);
  return `${lines.join('\n')}\n`;
}
