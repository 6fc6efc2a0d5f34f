import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'bad.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('config was accepted');
}

describe('redis config: topologies', () => {
  const scenarios: { name: string; yaml: string; env?: NodeJS.ProcessEnv; expected: string }[] = [
    { name: 'not a redis URL', yaml: 'redis: { url: "http://r:6379" }', expected: 'redis.url: must be a redis:// or rediss:// URL' },
    { name: 'sentinel without a port', yaml: 'redis: { sentinels: [s1], sentinelName: m }', expected: 'redis.sentinels[0]: must be host:port' },
    { name: 'sentinels without a master name', yaml: 'redis: { sentinels: ["s1:26379"] }', expected: 'redis.sentinelName: is required with redis.sentinels' },
    {
      name: 'sentinels and cluster',
      yaml: 'redis: { sentinels: ["s1:26379"], sentinelName: m, cluster: ["c1:7000"] }',
      expected: 'redis.cluster: set either redis.sentinels or redis.cluster, not both',
    },
    {
      name: 'cluster without a hash tag',
      yaml: 'redis: { cluster: ["c1:7000"], prefix: alertworks }',
      expected: 'redis.prefix: must contain a hash tag such as {alertworks}',
    },
    {
      name: 'bad node from the environment',
      yaml: '{}',
      env: { REDIS_CLUSTER_NODES: 'c1:7000,c2' },
      expected: 'redis.cluster[1]: must be host:port, e.g. redis-1:26379 (set by REDIS_CLUSTER_NODES)',
    },
    { name: 'unknown key', yaml: 'redis: { sentinel: ["s1:1"] }', expected: 'redis: Unrecognized key: "sentinel"' },
  ];

  it.each(scenarios)('$name', ({ yaml, env, expected }) => {
    const found = problems(yaml, env);
    expect(
      found.some((p) => p.startsWith(expected)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
  });

  it('reads a Sentinel set from the environment, which wins over the file', () => {
    const config = parseConfig('redis: { url: "redis://r:6379", sentinels: ["old:1"], sentinelName: old }', 'c.yaml', {
      REDIS_SENTINELS: 's1:26379, s2:26379,[::1]:26380',
      REDIS_SENTINEL_NAME: 'alertworks',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'redis-secret',
    });
    expect(config.redis).toMatchObject({
      sentinels: ['s1:26379', 's2:26379', '[::1]:26380'],
      sentinelName: 'alertworks',
      sentinelPassword: 'sentinel-secret',
      password: 'redis-secret',
    });
    expect(config.redis.cluster).toBeUndefined();
  });

  it('reads Cluster seed nodes from the file and the environment', () => {
    expect(parseConfig('redis: { cluster: ["c1:7000", "c2:7001"] }', 'c.yaml', {}).redis.cluster).toEqual(['c1:7000', 'c2:7001']);
    expect(parseConfig('{}', 'c.yaml', { REDIS_CLUSTER_NODES: 'c3:7002' }).redis.cluster).toEqual(['c3:7002']);
  });

  it('treats empty values (e.g. ${REDIS_SENTINELS:-}) as not set', () => {
    const config = parseConfig('redis: { url: "rediss://r:6380", sentinels: "${S:-}", sentinelName: "${N:-}", password: "${P:-}", cluster: [] }', 'c.yaml', {});
    expect(config.redis.url).toBe('rediss://r:6380');
    for (const key of ['sentinels', 'sentinelName', 'password', 'cluster'] as const) expect(config.redis[key], key).toBeUndefined();
  });
});
