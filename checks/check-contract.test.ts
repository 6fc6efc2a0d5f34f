import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { parseConfig } from '../src/config/load.js';
import { defineCheckType, PLATFORM_REASONS, type CheckType } from './check-type.js';
import { ProbeMetrics } from './check-metrics.js';
import { checkFailureReasons, checkPhases, checkTypes } from './registry.js';

/** Every registered type, held to the same contract: a new type passes these or does not load. */
describe.each(checkTypes.map((t) => [t.type, t] as const))('check type %s', (_name, type: CheckType) => {
  const entry = (extra: Record<string, unknown> = {}) => ({ name: 'c1', type: type.type, ...type.example, ...extra });
  const issues = (raw: Record<string, unknown>) => {
    const result = type.schema.safeParse(raw);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('parses its example', () => {
    expect(issues(entry())).toEqual([]);
  });

  it('accepts every base field and resolves it', () => {
    const check = type.schema.parse(
      entry({
        kind: 'dependency',
        interval: '2m',
        timeout: '5s',
        failureThreshold: 4,
        successThreshold: 2,
        remindEvery: '6h',
        maintenance: [{ at: '02:00', duration: '1h' }],
      }),
    );
    expect(check).toMatchObject({
      name: 'c1',
      type: type.type,
      kind: 'dependency',
      intervalMs: 120_000,
      timeoutMs: 5_000,
      failureThreshold: 4,
      successThreshold: 2,
      remindEveryMs: 21_600_000,
    });
    expect(check.maintenance).toHaveLength(1);
  });

  it('fills the base defaults', () => {
    const check = type.schema.parse(entry());
    for (const key of ['intervalMs', 'timeoutMs', 'failureThreshold', 'successThreshold', 'remindEveryMs'] as const)
      expect(check[key]).toBeGreaterThanOrEqual(0);
    expect(check.kind === 'uptime' || check.kind === 'dependency').toBe(true);
  });

  it.each([
    ['a name that is not a label value', { name: 'api cert: prod/edge' }, 'name: must be 1-63 letters, digits, "_", "." or "-"'],
    ['an interval under 100ms', { interval: '10ms' }, 'interval: must be at least 100ms'],
    ['a timeout over the interval', { interval: '1m', timeout: '2m' }, 'timeout: must not be longer than the interval'],
    ['an unknown key', { retries: 3 }, ': Unrecognized key: "retries"'],
  ])('rejects %s', (_what, extra, message) => {
    expect(issues(entry(extra))).toContain(message);
  });

  it('declares its phases, reasons and metrics', () => {
    expect(type.phases.length).toBeGreaterThan(0);
    expect(type.reasons.length).toBeGreaterThan(0);
    for (const reason of type.reasons) expect(reason).toMatch(/^[a-z][a-z0-9_]{0,31}$/);
    for (const metric of type.metrics) {
      expect(metric.name).toMatch(/^probe_[a-z0-9_]+$/);
      expect(metric.help.length).toBeGreaterThan(10);
      if (metric.label) expect(metric.label.values.length).toBeGreaterThan(0);
    }
  });

  it('writes its metrics for a failed result without throwing, and drops them again', async () => {
    const target = new Registry();
    const metrics = new ProbeMetrics(target, [type]);
    metrics.record({ name: 'c1', type: type.type }, { success: false, durationSeconds: 0.1, phases: {}, failureReason: type.reasons[0] });
    expect(await target.metrics()).toContain('probe_success{check="c1"} 0');
    metrics.forget('c1');
    expect(await target.metrics()).not.toContain('check="c1"');
  });
});

describe('the registry', () => {
  it('derives the phases and the failure reasons from the types', () => {
    expect(checkPhases).toEqual([...new Set(checkTypes.flatMap((t) => t.phases))]);
    expect([...checkFailureReasons].sort()).toEqual([...new Set([...checkTypes.flatMap((t) => t.reasons), ...PLATFORM_REASONS])].sort());
  });

  it('has one schema per type name, joined into the config', () => {
    expect(new Set(checkTypes.map((t) => t.type)).size).toBe(checkTypes.length);
    const yaml = checkTypes.map((t, i) => `  - ${JSON.stringify({ name: `c${i}`, type: t.type, ...t.example })}`).join('\n');
    expect(parseConfig(`checks:\n${yaml}\n`, 'all-types.yaml', {}).checks.map((c) => c.type)).toEqual(checkTypes.map((t) => t.type));
  });

  it('builds every probe metric once for /metrics and the Pushgateway alike', async () => {
    const a = new Registry();
    const b = new Registry();
    new ProbeMetrics(a);
    new ProbeMetrics(b);
    const names = (r: Registry) =>
      r
        .getMetricsAsArray()
        .map((m) => m.name)
        .sort();
    expect(names(a)).toEqual(names(b));
    expect(names(a)).toEqual(
      [
        ...new Set(['probe_success', 'probe_duration_seconds', 'probe_dns_lookup_time_seconds', ...checkTypes.flatMap((t) => t.metrics.map((m) => m.name))]),
      ].sort(),
    );
  });
});

describe('defineCheckType', () => {
  const probe = async () => ({ success: true, durationSeconds: 0, phases: {} });
  it('refuses a type that redefines a base field', () => {
    expect(() => defineCheckType({ type: 'x', fields: { interval: z.string() }, phases: ['connect'], reasons: ['other'], example: {}, probe })).toThrow(
      'fields interval belong to the common base',
    );
  });

  it('refuses two types declaring one metric differently', () => {
    const metric = (help: string) => ({ name: 'probe_x', help, read: () => 1 });
    const a = defineCheckType({ type: 'a', fields: {}, phases: ['connect'], reasons: ['other'], metrics: [metric('one help text')], example: {}, probe });
    const b = defineCheckType({ type: 'b', fields: {}, phases: ['connect'], reasons: ['other'], metrics: [metric('another help text')], example: {}, probe });
    expect(() => new ProbeMetrics(new Registry(), [a, b])).toThrow('probe metric probe_x is declared twice');
  });
});
