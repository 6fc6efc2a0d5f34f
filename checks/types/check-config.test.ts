import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const load = (checks: string, extra = '') => parseConfig(`checks:\n${checks}\n${extra}`, 'checks.yaml', {});

function problems(checks: string, extra = ''): string {
  try {
    load(checks, extra);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'valid';
}

describe('check defaults', () => {
  it.each([
    [
      'uptime http',
      '  - { name: a, type: http, url: "https://x.example/healthz" }',
      { kind: 'uptime', intervalMs: 60_000, timeoutMs: 10_000, failureThreshold: 2, successThreshold: 1, remindEveryMs: 3_600_000 },
    ],
    [
      'dependency http',
      '  - { name: a, type: http, kind: dependency, url: "https://x.example/" }',
      { kind: 'dependency', intervalMs: 300_000, failureThreshold: 3 },
    ],
    [
      'preset is a dependency',
      '  - { name: a, type: openai, apiKey: "sk-xxxxxxxxxxxxxxxxxxxxxxxx" }',
      { kind: 'dependency', intervalMs: 300_000, failureThreshold: 3, endpoint: 'https://api.openai.com/v1' },
    ],
    [
      'short interval caps the timeout',
      '  - { name: a, type: tcp, target: "db.internal:5432", interval: 2s }',
      { intervalMs: 2000, timeoutMs: 2000, tls: undefined },
    ],
    [
      'explicit values win',
      '  - { name: a, type: dns, query: example.com, interval: 30s, timeout: 5s, failureThreshold: 5, successThreshold: 2, remindEvery: 0 }',
      { intervalMs: 30_000, timeoutMs: 5000, failureThreshold: 5, successThreshold: 2, remindEveryMs: 0, recordType: 'A' },
    ],
    [
      'http expect defaults',
      '  - { name: a, type: http, url: "http://x.example/" }',
      { method: 'GET', followRedirects: true, ipFamily: 'any', expect: { status: ['2xx'], json: [] } },
    ],
    [
      'ses endpoint from region',
      '  - { name: a, type: ses, region: eu-central-1, accessKeyId: AKIAXXXXXXXX, secretAccessKey: secretsecret }',
      { endpoint: 'https://email.eu-central-1.amazonaws.com', requireSendingEnabled: true },
    ],
    [
      's3 defaults',
      '  - { name: a, type: s3, endpoint: "https://fsn1.your-objectstorage.com", bucket: backups, accessKeyId: AKIAXXXXXXXX, secretAccessKey: secretsecret }',
      { region: 'us-east-1', addressing: 'virtual' },
    ],
  ])('%s', (_name, yaml, expected) => {
    expect(load(yaml).checks[0]).toMatchObject(expected);
  });
});

describe('invalid checks name the field', () => {
  it.each([
    [
      'bad body regex',
      '  - { name: a, type: http, url: "http://x/", expect: { bodyRegex: "(" } }',
      'checks[0].expect.bodyRegex: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
    ],
    [
      'bad json path',
      '  - { name: a, type: http, url: "http://x/", expect: { json: [{ path: "status", equals: ok }] } }',
      'checks[0].expect.json[0].path: invalid JSON path: must start with "$"',
    ],
    [
      'json path with a filter',
      '  - { name: a, type: http, url: "http://x/", expect: { json: [{ path: "$.items[?(@.a)]" }] } }',
      'checks[0].expect.json[0].path: invalid JSON path: unexpected "[?(@.a)]" (supported: .key, ["key"], [index])',
    ],
    [
      'unknown type',
      '  - { name: a, type: ftp, url: "ftp://x/" }',
      `checks[0].type: Invalid discriminator value. Expected 'http' | 'tcp' | 'dns' | 'tls' | 'ses' | 's3' | 'openai' | 'anthropic'`,
    ],
    ['unknown key', '  - { name: a, type: http, url: "http://x/", retries: 3 }', 'checks[0]: Unrecognized key: "retries"'],
    [
      'timeout over interval',
      '  - { name: a, type: http, url: "http://x/", interval: 5s, timeout: 10s }',
      'checks[0].timeout: must not be longer than the interval',
    ],
    [
      'bad duration',
      '  - { name: a, type: http, url: "http://x/", interval: 5 minutes }',
      'checks[0].interval: "5 minutes" is not a duration (use e.g. 30s, 5m, 1h)',
    ],
    ['bad status', '  - { name: a, type: http, url: "http://x/", expect: { status: ["ok"] } }', 'checks[0].expect.status[0]'],
    ['not a URL', '  - { name: a, type: http, url: "example.com/health" }', 'checks[0].url: must be an http:// or https:// URL'],
    ['bad name', '  - { name: "api health", type: http, url: "http://x/" }', 'checks[0].name: must be 1-63 letters, digits, "_", "." or "-"'],
    ['duplicate names', '  - { name: a, type: http, url: "http://x/" }\n  - { name: a, type: tcp, target: "x:1" }', 'checks[1].name: duplicate check name "a"'],
    ['tcp target without port', '  - { name: a, type: tcp, target: "db.internal" }', 'checks[0].target: must be "host:port"'],
    [
      'bad region',
      '  - { name: a, type: ses, region: frankfurt, accessKeyId: AKIAXXXXXXXX, secretAccessKey: secretsecret }',
      'checks[0].region: must be an AWS region such as eu-central-1',
    ],
    ['missing caFile', '  - { name: a, type: http, url: "https://x/", tls: { caFile: /nonexistent/ca.pem } }', 'checks[0].tls.caFile: cannot read: ENOENT'],
    [
      'window end before start',
      '  - { name: a, type: http, url: "http://x/", maintenance: [{ start: "2026-01-02T00:00:00Z", end: "2026-01-01T00:00:00Z" }] }',
      'checks[0].maintenance[0].end: must be after start',
    ],
    [
      'recurring window without duration',
      '  - { name: a, type: http, url: "http://x/", maintenance: [{ at: "02:00" }] }',
      'checks[0].maintenance[0]: needs start/end, or at + duration',
    ],
    ['unknown canary', '  - { name: a, type: http, url: "http://x/" }', 'checkRunner.canary: no check named "internet"', 'checkRunner: { canary: internet }'],
  ])('%s', (_name, yaml, expected, extra = '') => {
    expect(problems(yaml, extra)).toContain(expected);
  });
});
