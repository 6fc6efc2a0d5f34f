import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { tlsCheckSchema } from './tls.js';

describe('tls check config', () => {
  it('applies defaults', () => {
    expect(tlsCheckSchema.parse({ name: 'api', type: 'tls', target: 'api.example.com:443' })).toEqual({
      name: 'api',
      type: 'tls',
      kind: 'uptime',
      target: 'api.example.com:443',
      verify: true,
      intervalMs: 3_600_000,
      timeoutMs: 10_000,
      warnDays: 14,
      criticalDays: 7,
      failureThreshold: 1,
      successThreshold: 1,
      remindEveryMs: 3_600_000,
      maintenance: [],
    });
  });

  const bad: Array<[string, string, string]> = [
    ['no source', '{ name: a, type: tls }', 'checks[0]: a tls check needs exactly one of target, files, acmeJson'],
    ['two sources', '{ name: a, type: tls, target: "a:443", acmeJson: /x }', 'checks[0]: a tls check needs exactly one of target, files, acmeJson'],
    ['bad target', '{ name: a, type: tls, target: "https://a" }', 'checks[0].target: must be "host:port" (or "[ipv6]:port")'],
    ['critical above warn', '{ name: a, type: tls, target: "a:443", warnDays: 5, criticalDays: 7 }', 'checks[0].criticalDays: must be below warnDays (5)'],
    ['bad interval', '{ name: a, type: tls, target: "a:443", interval: soon }', 'checks[0].interval: "soon" is not a duration (use e.g. 30s, 5m, 1h)'],
    ['unknown key', '{ name: a, type: tls, target: "a:443", warn: 3 }', 'checks[0]: Unrecognized key: "warn"'],
  ];
  it.each(bad)('%s', (_name, entry, message) => {
    let err: unknown;
    try {
      parseConfig(`checks:\n  - ${entry}\n`, 'tls.yaml', {});
    } catch (e) {
      err = e;
    }
    expect((err as { problems?: string[] }).problems ?? [String(err)]).toContain(message);
  });

  it('accepts one source each', () => {
    const config = parseConfig(
      'checks:\n  - { name: a, type: tls, target: "a.example.com:443", interval: 30m }\n  - { name: b, type: tls, files: ["/etc/ssl/*.pem"] }\n  - { name: c, type: tls, acmeJson: /data/acme.json, warnDays: 21, criticalDays: 10 }\n',
      'tls.yaml',
      {},
    );
    expect(config.checks.map((c) => [c.name, c.intervalMs])).toEqual([
      ['a', 1_800_000],
      ['b', 3_600_000],
      ['c', 3_600_000],
    ]);
  });
});

/** Issue 12: the tls check used to build its own schema and skip the common base. */
describe('tls check takes the common base', () => {
  const parse = (entry: string) => parseConfig(`checks:\n  - ${entry}\n`, 'tls.yaml', {});
  const problemsOf = (entry: string): string[] => {
    try {
      parse(entry);
    } catch (e) {
      return [...((e as { problems?: string[] }).problems ?? [String(e)])];
    }
    return [];
  };

  it('accepts maintenance, kind and remindEvery like every check', () => {
    const [check] = parse(
      '{ name: edge-cert, type: tls, target: "a.example.com:443", kind: dependency, remindEvery: 6h, maintenance: [{ at: "02:00", duration: 1h }] }',
    ).checks;
    expect(check).toMatchObject({ name: 'edge-cert', kind: 'dependency', remindEveryMs: 21_600_000, maintenance: [{ at: '02:00' }] });
  });

  it('refuses a name that is not a safe label, key part and scheduler id', () => {
    expect(problemsOf('{ name: "api cert: prod/edge", type: tls, target: "a.example.com:443" }')).toContain(
      'checks[0].name: must be 1-63 letters, digits, "_", "." or "-"',
    );
  });

  it('refuses an interval below the floor every check has', () => {
    expect(problemsOf('{ name: a, type: tls, target: "a.example.com:443", interval: 10ms }')).toContain('checks[0].interval: must be at least 100ms');
  });
});
