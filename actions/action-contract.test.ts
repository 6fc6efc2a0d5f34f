import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { markedFields, secret } from '../src/config/field-marks.js';
import { configFieldMarks, parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { clearSecrets, REDACTED } from '../src/observability/redact.js';
import { defineAction, type Action } from '../src/action.js';
import { actions } from './registry.js';

/** The top-level sections an action owns: its settings and its credentials, with their schemas. */
function sectionsOf(action: Action): [string, z.ZodType][] {
  return [...(action.settings ? ([[action.settings.key, action.settings.schema]] as [string, z.ZodType][]) : []), ...Object.entries(action.credentials ?? {})];
}

function secretFieldsOf(action: Action) {
  return sectionsOf(action).flatMap(([key, schema]) => markedFields(schema, [key]).filter((f) => f.secret));
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

function nested(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value as Record<string, unknown>);
}

/** A JSON logger writing into an array: what reaches the log is what the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

/** A value no redaction pattern knows (no `token ` before it, no known prefix): only its mark can hide it. */
const valueFor = (field: string) => `contract-${field.replace(/\W/g, '-')}-Qm7v2K`;

function expectRedactedInLogs(value: string): void {
  const { lines, logger } = capturedLogger();
  logger.info({ detail: `calling out with ${value}`, nested: { value } }, `sent ${value}`);
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain(value);
  expect(lines[0]).toContain(REDACTED);
}

const rows = actions.flatMap((action) =>
  secretFieldsOf(action).map((field) => ({ action: action.name, field: field.path.join('.'), path: field.path, env: field.env })),
);

describe('every registered action: a secret-marked field is redacted and overridable from its variable', () => {
  beforeEach(() => clearSecrets());

  it('the registered actions declare secret fields (volume-resize: hetzner.token, github.token)', () => {
    expect(rows.map((r) => `${r.action} ${r.field} ${r.env}`)).toEqual(
      expect.arrayContaining(['volume-resize hetzner.token HCLOUD_TOKEN', 'volume-resize github.token GITHUB_TOKEN']),
    );
  });

  it.each(rows)('$action: $field is set by $env and never logged', ({ field, path, env }) => {
    expect(env, `${field} is secret but names no environment variable`).toBeDefined();
    const value = valueFor(field);
    const config = parseConfig('{}\n', 'contract.yaml', { [env as string]: value });
    expect(valueAt(config.sections, path)).toBe(value);
    expectRedactedInLogs(value);
  });

  it.each(rows)('$action: $field set in the file is never logged either', ({ field, path }) => {
    const value = valueFor(`file-${field}`);
    const config = parseConfig(stringify(nested(path, value)), 'contract.yaml', {});
    expect(valueAt(config.sections, path)).toBe(value);
    expectRedactedInLogs(value);
  });

  it.each(actions.map((a) => [a.name, a] as const))('%s: its sections parse from nothing (defaults) and stay typed under their key', (_name, action) => {
    const config = parseConfig('{}\n', 'contract.yaml', {});
    const sections: Readonly<Record<string, unknown>> = config.sections;
    for (const [key] of sectionsOf(action)) expect(sections[key], key).toBeTypeOf('object');
  });
});

describe('adding an action with a credential needs only the action (one file, here this test)', () => {
  beforeEach(() => clearSecrets());

  // What a new action's file would hold: its settings and its credential section, marked where declared.
  const pagerAction = defineAction({
    name: 'pager-escalate',
    description: 'test-only: escalate to a pager service',
    settings: {
      key: 'pagerEscalate',
      schema: z.strictObject({ routingKey: secret(z.string().optional(), { env: 'PAGER_ROUTING_KEY' }), urgency: z.enum(['high', 'low']).default('high') }),
    },
    credentials: {
      pager: z
        .strictObject({ apiKey: secret(z.string().optional(), { env: 'PAGER_API_KEY' }), apiUrl: z.string().url().default('https://pager.example') })
        .prefault({}),
    },
    create:
      ({ settings, credentials }) =>
      async () => ({ outcome: settings.urgency, keyed: credentials.pager.apiKey !== undefined }),
  });
  const registered: readonly Action[] = [...actions, pagerAction];
  const env = { PAGER_API_KEY: 'pager-api-key-Zx81qq0w', PAGER_ROUTING_KEY: 'pager-routing-Rk33pp' };

  it('its variables override its fields, with no line anywhere else', () => {
    const config = parseConfig('routes: [{ match: { alertname: DiskFull }, action: pager-escalate }]\n', 'pager.yaml', env, registered);
    const sections: Readonly<Record<string, unknown>> = config.sections;
    expect(sections.pager).toEqual({ apiKey: env.PAGER_API_KEY, apiUrl: 'https://pager.example' });
    expect(sections.pagerEscalate).toEqual({ routingKey: env.PAGER_ROUTING_KEY, urgency: 'high' });
    expect(config.routes.map((r) => r.action)).toEqual(['pager-escalate']);
    expect(
      configFieldMarks(registered)
        .filter((m) => m.env?.startsWith('PAGER_'))
        .map((m) => `${m.path.join('.')} ${m.env} ${m.secret}`)
        .sort(),
    ).toEqual(['pager.apiKey PAGER_API_KEY true', 'pagerEscalate.routingKey PAGER_ROUTING_KEY true']);
  });

  it('its secrets are redacted from logs once the config is loaded', () => {
    parseConfig('{}\n', 'pager.yaml', env, registered);
    expectRedactedInLogs(env.PAGER_API_KEY);
    expectRedactedInLogs(env.PAGER_ROUTING_KEY);
  });

  it('a bad value of its credential is refused, naming the field', () => {
    expect(() => parseConfig('pager: { apiUrl: nope }\n', 'pager.yaml', {}, registered)).toThrow(/pager\.apiUrl: /);
  });

  it('without it registered, its sections are unknown keys (the registry is the only list)', () => {
    expect(() => parseConfig('pager: { apiKey: x }\n', 'pager.yaml', {})).toThrow(/Unrecognized key: "pager"/);
  });
});
