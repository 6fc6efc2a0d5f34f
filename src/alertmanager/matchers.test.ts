import { describe, expect, it } from 'vitest';
import { MAX_MATCHERS, filterMatcher, silenceMatchers } from './matchers.js';

describe('silence matchers from alert labels', () => {
  it('keeps every stable label as an equality matcher, alertname first, volatile ones dropped', () => {
    expect(silenceMatchers({ severity: 'critical', instance: 'node-1:9100', alertname: 'VolumeUsageCritical', mountpoint: '/mnt/HC_Volume_4711' })).toEqual([
      { name: 'alertname', value: 'VolumeUsageCritical', isRegex: false, isEqual: true },
      { name: 'mountpoint', value: '/mnt/HC_Volume_4711', isRegex: false, isEqual: true },
      { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
    ]);
  });

  it.each([
    ['no alertname', { severity: 'critical' }],
    ['alertname is not a usable value', { alertname: '' }],
  ])('refuses to build a silence that would match too much: %s', (_n, labels) => {
    expect(silenceMatchers(labels)).toBeUndefined();
  });

  it('bounds the number of matchers and skips names that are not label names', () => {
    const labels: Record<string, string> = { alertname: 'A', 'bad name': 'x', 'a{b}': 'y' };
    for (let i = 0; i < 100; i++) labels[`l${String(i).padStart(3, '0')}`] = String(i);
    const m = silenceMatchers(labels)!;
    expect(m).toHaveLength(MAX_MATCHERS);
    expect(m[0]?.name).toBe('alertname');
    expect(m.some((x) => x.name.includes(' ') || x.name.includes('{'))).toBe(false);
  });
});

describe('filter matchers', () => {
  it.each([
    ['plain', 'alertname', 'VolumeUsageCritical', 'alertname="VolumeUsageCritical"'],
    ['quote cannot close the value', 'job', 'a",severity=~".*', 'job="a\\",severity=~\\".*"'],
    ['backslash escaped', 'path', 'C:\\data', 'path="C:\\\\data"'],
    ['newline escaped', 'x', 'a\nb', 'x="a\\nb"'],
  ])('%s', (_n, name, value, expected) => {
    expect(filterMatcher(name, value)).toBe(expected);
  });
});
