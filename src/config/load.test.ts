import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConfig, parseConfig } from './load.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'bad.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('config was accepted');
}

describe('config: bad files name the field and the reason', () => {
  const scenarios: { name: string; yaml: string; env?: NodeJS.ProcessEnv; expected: string }[] = [
    { name: 'unknown top-level key', yaml: 'servr: {}', expected: '(root): Unrecognized key: "servr"' },
    { name: 'unknown nested key', yaml: 'server: { prot: 8080 }', expected: 'server: Unrecognized key: "prot"' },
    { name: 'port out of range', yaml: 'server: { port: 70000 }', expected: 'server.port: Too big: expected number to be <=65535' },
    {
      name: 'short bearer token',
      yaml: 'server: { auth: { bearerTokens: ["short"] } }',
      expected: 'server.auth.bearerTokens: bearer tokens must be at least 16 characters',
    },
    { name: 'bad duration', yaml: 'jobs: { backoff: soon }', expected: 'jobs.backoff: "soon" is not a duration (use e.g. 30s, 5m, 1h)' },
    {
      name: 'route to unknown action',
      yaml: 'routes: [{ match: { alertname: X }, action: reboot }]',
      expected: 'routes[0].action: unknown action "reboot" (known: notify',
    },
    { name: 'route without matchers', yaml: 'routes: [{ match: {}, action: notify }]', expected: 'routes[0].match: needs at least one label' },
    {
      name: 'bad regex matcher',
      yaml: 'routes: [{ match: { alertname: "=~(" }, action: notify }]',
      expected: 'routes[0].match.alertname: invalid regular expression',
    },
    {
      name: 'bad route status',
      yaml: 'routes: [{ match: { a: b }, status: pending, action: notify }]',
      expected: 'routes[0].status: Invalid option: expected one of "firing"|"resolved"|"any"',
    },
    { name: 'unset variable', yaml: 'redis: { url: "${NOPE_URL}" }', expected: 'line 1: environment variable NOPE_URL is not set' },
    {
      name: 'env override validated',
      yaml: '{}',
      env: { PORT: 'eighty' },
      expected: 'server.port: Invalid input: expected number, received NaN (set by PORT)',
    },
    { name: 'YAML syntax', yaml: 'server: [1, 2', expected: 'YAML:' },
    { name: 'not a mapping', yaml: '- a\n- b', expected: '(root): must be a mapping of sections' },
    { name: 'misspelt top-level key', yaml: 'dryrun: false', expected: '(root): Unrecognized key: "dryrun" (did you mean "dryRun"?)' },
    {
      name: 'misspelt route key',
      yaml: 'routes: [{ match: { a: b }, action: notify, sttus: any }]',
      expected: 'routes[0]: Unrecognized key: "sttus" (did you mean "status"?)',
    },
    {
      name: 'misspelt action section key',
      yaml: 'volumeResize: { maxSizeGB: 50 }',
      expected: 'volumeResize: Unrecognized key: "maxSizeGB" (did you mean "maxSizeGb"?)',
    },
    {
      name: 'misspelt check key',
      yaml: 'checks: [{ name: a, type: http, url: "http://x/", intervall: 1m }]',
      expected: 'checks[0]: Unrecognized key: "intervall" (did you mean "interval"?)',
    },
    { name: 'far from any key: no guess', yaml: 'server: { zzzzzz: 1 }', expected: 'server: Unrecognized key: "zzzzzz"' },
  ];

  it.each(scenarios)('$name', ({ yaml, env, expected }) => {
    const found = problems(yaml, env);
    expect(
      found.some((p) => p.startsWith(expected)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
  });

  it('guesses only when a valid key is close', () => {
    expect(problems('server: { zzzzzz: 1 }').join()).not.toContain('did you mean');
  });

  it('the error message names the file', () => {
    expect(() => parseConfig('servr: {}', 'config/prod.yaml', {})).toThrow(/^config\/prod\.yaml: invalid config:/);
    expect(() => loadConfig('/nonexistent/alertworks.yaml', {})).toThrow('/nonexistent/alertworks.yaml: invalid config:\n  - cannot read file: ENOENT');
  });
});

describe('config: valid files', () => {
  it('applies defaults and freezes the result', () => {
    const config = parseConfig('{}', 'c.yaml', {});
    expect(config.server).toMatchObject({ port: 8080, host: '0.0.0.0', bodyLimitBytes: 5 * 1024 * 1024 });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{alertworks}' });
    expect(config.slack.channel).toBe('#ops');
    expect(config.jobs).toMatchObject({ attempts: 10, backoff: 2000, dedupWindow: 7 * 86_400_000, keepCompleted: 86_400_000, keepFailed: 7 * 86_400_000 });
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('expands ${VAR} and ${VAR:-default}, but not in comments', () => {
    const config = parseConfig('# uses ${UNSET_IN_COMMENT}\nredis: { url: "${R_URL}" }\nslack: { channel: "${CHAN:-#alerts}" }', 'c.yaml', {
      R_URL: 'redis://10.0.0.1:6380',
    });
    expect(config.redis.url).toBe('redis://10.0.0.1:6380');
    expect(config.slack.channel).toBe('#alerts');
  });

  it('lets the environment win over the file', () => {
    const config = parseConfig('server: { port: 9000 }\nslack: { channel: "#file" }', 'c.yaml', {
      PORT: '9100',
      SLACK_CHANNEL: '#env',
      WEBHOOK_TOKEN: 'tok-aaaaaaaaaaaaaaaa, tok-bbbbbbbbbbbbbbbb',
      DRY_RUN: 'true',
    });
    expect(config.server.port).toBe(9100);
    expect(config.slack.channel).toBe('#env');
    expect(config.server.auth.bearerTokens).toEqual(['tok-aaaaaaaaaaaaaaaa', 'tok-bbbbbbbbbbbbbbbb']);
    expect(config.dryRun).toBe(true);
  });

  it('drops empty tokens, so an unset WEBHOOK_TOKEN means no auth configured', () => {
    const config = parseConfig('server: { auth: { bearerTokens: ["${WEBHOOK_TOKEN:-}"] } }', 'c.yaml', {});
    expect(config.server.auth.bearerTokens).toEqual([]);
  });

  it("uses the actions' default routes when the file has none", () => {
    const config = parseConfig('{}', 'c.yaml', {});
    expect(config.routes.every((r) => typeof r.action === 'string')).toBe(true);
  });

  it('the shipped config/alertworks.yaml is valid and safe (dry-run)', () => {
    const config = loadConfig('config/alertworks.yaml', {});
    expect(config.dryRun).toBe(true);
  });

  it.each(readdirSync('config/examples').filter((f) => f.endsWith('.yaml')))('documented example config/examples/%s is valid', (file) => {
    expect(() => loadConfig(`config/examples/${file}`, {})).not.toThrow();
  });

  it('the config shown in README.md (core and feature sections together) is valid', () => {
    const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const config = blocks.filter((b) => /^(server|volumeResize):/m.test(b)).join('\n');
    const env = { WEBHOOK_TOKEN: 'readme-token-0123456789', WEBHOOK_PASSWORD: 'readme-password', OPENAI_API_KEY: 'sk-readme-000000000000' };
    expect(parseConfig(config, 'README.md', env).checks.map((c) => c.name)).toEqual(['api-health', 'openai', 'api-cert', 'internet']);
  });
});

describe('config: ${VAR} values stay single values (issue 13, item 13)', () => {
  const evil = 'https://evil.example/api/';

  it('the attack of the issue: a variable with a line break cannot add apiUrl to the shipped config', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-0000-1111-shipped-token', SLACK_CHANNEL: `#ops"\n  apiUrl: "${evil}` };
    const config = loadConfig('config/alertworks.yaml', env);
    expect(config.slack.apiUrl).toBeUndefined();
    expect(config.slack.channel).toBe(env.SLACK_CHANNEL);
  });

  it('an unquoted reference whose value would be structure is one (refused) value', () => {
    expect(problems('server:\n  port: ${PORT_IN_FILE:-8080}\n', { PORT_IN_FILE: `8080\nslack: { apiUrl: "${evil}" }` })).toEqual([
      'server.port: Invalid input: expected number, received NaN',
    ]);
  });

  it.each([
    ['double quotes keep quotes, backslashes and line breaks literally', 'slack: { channel: "${CHAN}" }', 'a\\nb"c\\\\d\ne', 'a\\nb"c\\\\d\ne'],
    ['single quotes keep a quote', "slack: { channel: '${CHAN}' }", "it's", "it's"],
    ['single quotes after a doubled quote', "slack: { channel: 'it''s ${CHAN}' }", "a 'b', c", "it's a 'b', c"],
    ['a whole unquoted value with spaces and punctuation', 'slack:\n  channel: ${CHAN} # comment', 'ops, [team]: #1', 'ops, [team]: #1'],
    ['a whole value in a flow mapping', 'slack: { channel: ${CHAN}, token: x }', 'a", "b', 'a", "b'],
    ['a plain word inside a larger unquoted value', 'slack: { channel: team-${CHAN}-alerts }', 'ops.eu', 'team-ops.eu-alerts'],
    ['a default written in the file', 'slack: { channel: "${UNSET_CHAN:-#fallback}" }', 'unused', '#fallback'],
  ])('%s', (_name, yaml, value, expected) => {
    expect(parseConfig(yaml, 'c.yaml', { CHAN: value }).slack.channel).toBe(expected);
  });

  it('a typed value still reads as its type when it is a plain word', () => {
    const config = parseConfig('server: { port: ${P}, bodyLimitBytes: ${B} }\ndryRun: ${D}', 'c.yaml', { P: '9200', B: '1024', D: 'true' });
    expect(config.server).toMatchObject({ port: 9200, bodyLimitBytes: 1024 });
    expect(config.dryRun).toBe(true);
  });

  it.each([
    [
      'part of an unquoted value',
      'redis: { url: redis://${HOSTPART}:6379 }',
      'h:1 }\nslack: { apiUrl: x',
      'line 1: environment variable HOSTPART cannot be used here: its value has spaces, quotes',
    ],
    [
      'a line break in single quotes',
      "slack: { channel: '${HOSTPART}' }",
      'a\nb',
      'line 1: environment variable HOSTPART cannot be used here: its value has a line break',
    ],
  ])('refuses a value it cannot place as one scalar: %s (naming variable, line and file)', (_name, yaml, value, expected) => {
    const found = problems(yaml, { HOSTPART: value });
    expect(
      found.some((p) => p.startsWith(expected)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
    expect(() => parseConfig(yaml, 'conf/prod.yaml', { HOSTPART: value })).toThrow(/^conf\/prod\.yaml: invalid config:/);
  });
});

describe('config: where dryRun is decided', () => {
  it.each([
    ['{}', {}, false, 'the default (dryRun: false)'],
    ['dryRun: true', {}, true, 'dryRun: true in c.yaml'],
    ['dryRun: true', { DRY_RUN: 'false' }, false, 'DRY_RUN=false in the environment'],
    ['dryRun: false', { DRY_RUN: 'true' }, true, 'DRY_RUN=true in the environment'],
  ])('%s with %o -> %s (%s)', (yaml, env, dryRun, source) => {
    const config = parseConfig(yaml, 'c.yaml', env);
    expect(config.dryRun).toBe(dryRun);
    expect(config.dryRunSource).toBe(source);
  });
});
