import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createRedis, describeRedis, parseHostPort, type RedisClient, type RedisTarget } from './redis.js';
import { clearSecrets, scrub } from './observability/redact.js';

describe('createRedis: one factory for every topology', () => {
  const clients: RedisClient[] = [];
  const make = (...args: Parameters<typeof createRedis>) => {
    const c = createRedis(args[0], args[1], { lazyConnect: true, ...args[2] });
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
    clearSecrets();
  });

  it('a URL gives a single-server client; rediss:// turns TLS on; REDIS_PASSWORD is used', () => {
    const plain = make({ url: 'redis://10.0.0.1:6380', password: 'pw-from-env' }, 'worker') as Redis;
    expect(plain).toBeInstanceOf(Redis);
    expect(plain.options).toMatchObject({ host: '10.0.0.1', port: 6380, password: 'pw-from-env', maxRetriesPerRequest: null });
    expect(plain.options.tls).toBeUndefined();
    const tls = make('rediss://:url-secret@redis.example:6380', 'producer') as Redis;
    expect(tls.options.tls).toBeDefined();
    expect(tls.options).toMatchObject({ password: 'url-secret', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  });

  it('Sentinel: asks the sentinels for the master, with both passwords', () => {
    const r = make(
      { url: 'redis://ignored:1', sentinels: ['s1:26379', '[::1]:26380'], sentinelName: 'aw', password: 'node-secret', sentinelPassword: 'sentinel-secret' },
      'worker',
    ) as Redis;
    expect(r.options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'aw',
      role: 'master',
      password: 'node-secret',
      sentinelPassword: 'sentinel-secret',
      maxRetriesPerRequest: null,
    });
  });

  it('Cluster: a Cluster client whose node connections carry the role (workers wait, producers fail fast)', () => {
    const worker = make({ cluster: ['c1:7000', 'c2:7001'], password: 'cluster-secret' }, 'worker');
    expect(worker).toBeInstanceOf(Cluster);
    expect((worker as Cluster).options.redisOptions).toMatchObject({ password: 'cluster-secret', maxRetriesPerRequest: null });
    const producer = make({ cluster: ['c1:7000'] }, 'producer') as Cluster;
    expect(producer.options.enableOfflineQueue).toBe(false);
    expect(producer.options.redisOptions).toMatchObject({ maxRetriesPerRequest: 1 });
  });

  it('registers every password as a secret, so no log line or error text carries one', () => {
    make({ url: 'redis://:url-password-1@r:6379', password: 'env-password-2' }, 'worker');
    make({ sentinels: ['s:1'], sentinelName: 'm', sentinelPassword: 'sentinel-password-3' }, 'worker');
    expect(scrub('auth url-password-1 env-password-2 sentinel-password-3')).toBe('auth [REDACTED] [REDACTED] [REDACTED]');
  });
});

describe('describeRedis: where Redis is, never a password', () => {
  it.each([
    ['redis://:hunter2hunter2@r:6379/0', 'redis://r:6379/0'],
    ['rediss://user:pw-secret@r:6380', 'rediss://r:6380'],
    [
      { url: 'redis://r:1', sentinels: ['s1:26379', 's2:26379'], sentinelName: 'aw', sentinelPassword: 'x-secret' },
      'sentinel master "aw" via s1:26379,s2:26379',
    ],
    [{ cluster: ['c1:7000', 'c2:7001'], password: 'y-secret' }, 'cluster c1:7000,c2:7001'],
  ] as [RedisTarget, string][])('%j', (target, expected) => {
    expect(describeRedis(target)).toBe(expected);
  });

  it('parses host:port and [v6]:port', () => {
    expect(parseHostPort('redis-1:26379')).toEqual({ host: 'redis-1', port: 26379 });
    expect(parseHostPort('[fd00::1]:7000')).toEqual({ host: 'fd00::1', port: 7000 });
  });
});
