import { z } from 'zod';
import { fromEnv, parseList, secret } from './field-marks.js';

/** `host:port`, or `[v6addr]:port`. */
const hostPort = z.string().regex(/^(?:\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+):\d{1,5}$/, 'must be host:port, e.g. redis-1:26379');

/** Absent, or a list; an empty string or list (e.g. `${REDIS_SENTINELS:-}`) means absent. */
const nodeList = z
  .union([z.literal(''), z.array(hostPort)])
  .optional()
  .transform((v) => (v === '' || v === undefined || v.length === 0 ? undefined : v));

/** An empty string (e.g. `${REDIS_PASSWORD:-}`) means no password. */
const optionalSecret = z
  .string()
  .optional()
  .transform((v) => v || undefined);

/**
 * Where Redis is: one server (`url`), a Sentinel set (`sentinels` + `sentinelName`) or a
 * Cluster (`cluster`). Sentinel and Cluster replace `url`. docs/scaling.md explains each.
 */
export const redisSchema = z
  .strictObject({
    /** redis:// or rediss:// (TLS), or a unix socket path; a password in the URL works too. Env: REDIS_URL. */
    url: fromEnv(
      z
        .string()
        .regex(/^(?:rediss?:\/\/|\/)\S+$/, 'must be a redis:// or rediss:// URL (or a unix socket path), e.g. redis://127.0.0.1:6379')
        .default('redis://127.0.0.1:6379'),
      'REDIS_URL',
    ),
    /** Password of the Redis server(s), also of every Sentinel-managed or Cluster node. Env: REDIS_PASSWORD. */
    password: secret(optionalSecret, { env: 'REDIS_PASSWORD' }),
    /** Sentinels (host:port); replaces url. Env: REDIS_SENTINELS (comma-separated). */
    sentinels: fromEnv(nodeList, 'REDIS_SENTINELS', parseList),
    /** The master name the sentinels monitor. Env: REDIS_SENTINEL_NAME. */
    sentinelName: fromEnv(
      z
        .string()
        .optional()
        .transform((v) => v || undefined),
      'REDIS_SENTINEL_NAME',
    ),
    /** Password of the sentinels themselves (requirepass in sentinel.conf). Env: REDIS_SENTINEL_PASSWORD. */
    sentinelPassword: secret(optionalSecret, { env: 'REDIS_SENTINEL_PASSWORD' }),
    /** Cluster seed nodes (host:port); replaces url. Env: REDIS_CLUSTER_NODES (comma-separated). */
    cluster: fromEnv(nodeList, 'REDIS_CLUSTER_NODES', parseList),
    /** Key prefix; the braces make it a Cluster hash tag so all keys of a queue share a slot. */
    prefix: z.string().min(1).default('{alertworks}'),
  })
  .superRefine((redis, ctx) => {
    if (redis.sentinels && redis.cluster) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'set either redis.sentinels or redis.cluster, not both' });
    }
    if (redis.sentinels && !redis.sentinelName) {
      ctx.addIssue({ code: 'custom', path: ['sentinelName'], message: 'is required with redis.sentinels (the master name in sentinel.conf)' });
    }
    if (redis.cluster && !/\{[^{}]+\}/.test(redis.prefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['prefix'],
        message: 'must contain a hash tag such as {alertworks} with redis.cluster, so each queue stays in one slot',
      });
    }
  });

export type RedisSettings = z.infer<typeof redisSchema>;
