import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clearSecrets, scrub } from '../observability/redact.js';
import { envOverrides, fromEnv, markedFields, parseList, secret, secretValues } from './field-marks.js';
import { configFieldMarks, parseConfig } from './load.js';
import type { AppConfig } from './schema.js';

/**
 * The variables DESIGN.md and the README publish as overrides of a config field, each with a
 * value and where it must land. They are contract: the marks may move, these may not.
 */
const PUBLISHED: [env: string, value: string, read: (c: AppConfig) => unknown, expected: unknown][] = [
  ['PORT', '9191', (c) => c.server.port, 9191],
  ['HOST', '127.0.0.9', (c) => c.server.host, '127.0.0.9'],
  ['REDIS_URL', 'redis://redis.internal:6380', (c) => c.redis.url, 'redis://redis.internal:6380'],
  ['REDIS_PASSWORD', 'redis-password-0451', (c) => c.redis.password, 'redis-password-0451'],
  ['REDIS_SENTINELS', 's1:26379, s2:26379', (c) => c.redis.sentinels, ['s1:26379', 's2:26379']],
  ['REDIS_SENTINEL_NAME', 'mymaster', (c) => c.redis.sentinelName, 'mymaster'],
  ['REDIS_SENTINEL_PASSWORD', 'sentinel-password-0451', (c) => c.redis.sentinelPassword, 'sentinel-password-0451'],
  ['REDIS_CLUSTER_NODES', 'c1:7000,c2:7000', (c) => c.redis.cluster, ['c1:7000', 'c2:7000']],
  [
    'WEBHOOK_TOKEN',
    'webhook-token-aaaaaaaa01,webhook-token-bbbbbbbb02',
    (c) => c.server.auth.bearerTokens,
    ['webhook-token-aaaaaaaa01', 'webhook-token-bbbbbbbb02'],
  ],
  ['GRAFANA_WEBHOOK_SECRET', 'grafana-hmac-secret-0451', (c) => c.server.auth.hmac.secret, 'grafana-hmac-secret-0451'],
  ['HCLOUD_TOKEN', 'hcloud-token-0451', (c) => c.sections.hetzner.token, 'hcloud-token-0451'],
  ['HCLOUD_ENDPOINT', 'http://127.0.0.1:4000/v1', (c) => c.sections.hetzner.endpoint, 'http://127.0.0.1:4000/v1'],
  ['SLACK_BOT_TOKEN', 'xoxb-slack-token-0451', (c) => c.slack.token, 'xoxb-slack-token-0451'],
  ['SLACK_API_URL', 'http://127.0.0.1:4001/api/', (c) => c.slack.apiUrl, 'http://127.0.0.1:4001/api/'],
  ['SLACK_CHANNEL', '#infra', (c) => c.slack.channel, '#infra'],
  ['GITHUB_TOKEN', 'github-token-0451', (c) => c.sections.github.token, 'github-token-0451'],
  ['GITHUB_API_URL', 'http://127.0.0.1:4002', (c) => c.sections.github.apiUrl, 'http://127.0.0.1:4002'],
  ['PUSHGATEWAY_URL', 'http://pushgateway:9091', (c) => c.pushgateway.url, 'http://pushgateway:9091'],
  ['DRY_RUN', 'yes', (c) => c.dryRun, true],
  ['ALERTMANAGER_URL', 'http://alertmanager:9093', (c) => c.alertmanager.url, 'http://alertmanager:9093'],
  ['SLACK_SIGNING_SECRET', 'slack-signing-secret-0451', (c) => c.slack.signingSecret, 'slack-signing-secret-0451'],
  ['SLACK_APP_TOKEN', 'xapp-app-token-0451', (c) => c.slack.appToken, 'xapp-app-token-0451'],
  ['GRAFANA_URL', 'https://grafana.example.com', (c) => c.grafana.url, 'https://grafana.example.com'],
  ['GRAFANA_TOKEN', 'grafana-token-0451', (c) => c.grafana.token, 'grafana-token-0451'],
  ['ALERTWORKS_SPOOL_DIR', '/var/lib/alertworks/spool', (c) => c.server.spool.dir, '/var/lib/alertworks/spool'],
];

/** Published variables that are secrets: their values never reach a log once the config is loaded. */
const SECRET = new Set([
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'WEBHOOK_TOKEN',
  'GRAFANA_WEBHOOK_SECRET',
  'HCLOUD_TOKEN',
  'SLACK_BOT_TOKEN',
  'GITHUB_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'GRAFANA_TOKEN',
]);

describe("published environment variables keep working, from the fields' own marks", () => {
  beforeEach(() => clearSecrets());

  it('the marks declare every published variable (a new action may add its own)', () => {
    expect(configFieldMarks().flatMap((m) => (m.env ? [m.env] : []))).toEqual(expect.arrayContaining(PUBLISHED.map(([env]) => env)));
  });

  it.each(PUBLISHED)('%s=%s', (env, value, read, expected) => {
    // Sentinels need their master name; the variable wins over the file either way.
    const yaml = env === 'REDIS_SENTINELS' ? 'redis: { sentinelName: m }\n' : 'server: { port: 1, host: file }\nslack: { channel: "#file" }\n';
    const config = parseConfig(yaml, 'env.yaml', { [env]: value });
    expect(read(config)).toEqual(expected);
    const values = Array.isArray(expected) ? expected : [value];
    for (const v of values) expect(scrub(`value ${String(v)}`).includes(String(v))).toBe(!SECRET.has(env));
  });
});

describe('field marks', () => {
  it('a shared schema marked twice keeps one mark per field', () => {
    const base = z.string().optional();
    const schema = z.strictObject({ a: secret(base, { env: 'A_TOKEN' }), b: fromEnv(base, 'B_URL'), c: base });
    expect(envOverrides(schema)).toEqual([
      { env: 'A_TOKEN', path: ['a'] },
      { env: 'B_URL', path: ['b'] },
    ]);
  });

  it('finds marks through defaults, pipes, lists and unions; collects every string of a secret', () => {
    const schema = z.strictObject({
      users: z.array(z.strictObject({ name: z.string(), password: secret(z.string()) })).default([]),
      tokens: secret(
        z.array(z.string()).transform((t) => t.filter(Boolean)),
        { env: 'TOKENS', parse: parseList },
      ),
      either: z.union([z.strictObject({ key: secret(z.string()) }), z.strictObject({ other: z.string() })]).optional(),
    });
    expect(markedFields(schema).map((f) => f.path.join('.'))).toEqual(['users.*.password', 'tokens', 'either.key']);
    const parsed = schema.parse({
      users: [
        { name: 'u1', password: 'pw-one' },
        { name: 'u2', password: 'pw-two' },
      ],
      tokens: ['t1', ''],
      either: { key: 'k1' },
    });
    expect(secretValues(schema, parsed).sort()).toEqual(['k1', 'pw-one', 'pw-two', 't1']);
  });

  it.each([
    [
      'a variable inside a list',
      z.strictObject({ list: z.array(z.strictObject({ t: fromEnv(z.string(), 'LIST_T') })) }),
      'list.*.t: LIST_T cannot override a field inside a list',
    ],
    ['one variable for two fields', z.strictObject({ a: fromEnv(z.string(), 'SAME'), b: fromEnv(z.string(), 'SAME') }), 'SAME is declared for both a and b'],
  ])('refuses %s', (_name, schema, message) => {
    expect(() => envOverrides(schema)).toThrow(message);
  });
});

describe('secret fields of check types are marked the same way', () => {
  beforeEach(() => clearSecrets());

  it.each([
    ['openai', '{ apiKey: "openai-key-Tq83nv0" }', ['openai-key-Tq83nv0']],
    [
      'ses',
      '{ region: eu-central-1, accessKeyId: "AKIDMARKED0001", secretAccessKey: "ses-secret-Wp20xz", sessionToken: "ses-session-Lk55ab" }',
      ['ses-secret-Wp20xz', 'ses-session-Lk55ab', 'AKIDMARKED0001'],
    ],
  ])('%s: its credentials are registered when the config is loaded', (type, fields, secrets) => {
    const config = parseConfig(`checks:\n  - { name: c, type: ${type}, ${fields.slice(2)}\n`, 'checks.yaml', {});
    expect(config.checks).toHaveLength(1);
    for (const s of secrets) expect(scrub(`sent ${s}`)).toBe('sent [REDACTED]');
  });
});
