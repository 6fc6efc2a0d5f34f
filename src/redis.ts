import type { Socket } from 'node:net';
import { setImmediate } from 'node:timers';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from './config/redis-schema.js';
import { registerSecret, scrub } from './observability/redact.js';

/** A connection to any topology: one server and Sentinel give a Redis, a Cluster a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * What a connection is made from: the `redis` config section, or (tools, benchmarks) a bare
 * redis:// URL. Every ioredis client of the product is made by createRedis, so the topology,
 * passwords and per-role behaviour are decided in one place.
 */
export type RedisTarget = string | Partial<Pick<RedisSettings, 'url' | 'password' | 'sentinels' | 'sentinelName' | 'sentinelPassword' | 'cluster'>>;

/**
 * Redis connections by use:
 * - `producer` (the receiver, the CLI): fails fast instead of queueing commands while Redis
 *   is away, so the webhook can answer 503 at once and Alertmanager retries.
 * - `worker` (BullMQ workers, state): waits and reconnects for as long as it takes, as BullMQ
 *   requires (`maxRetriesPerRequest: null`).
 */
export type RedisRole = 'producer' | 'worker';

const backoff = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000);

/** After a failover the old master comes back as a replica: a write there must reconnect (to the new master), not fail. */
const reconnectOnReadonly = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

export function createRedis(target: RedisTarget, role: RedisRole, options: RedisOptions & { coalesceWrites?: boolean } = {}): RedisClient {
  // Off only for the benchmarks' raw BullMQ baselines, which measure BullMQ as it ships.
  const { coalesceWrites: coalesce = true, ...extra } = options;
  const settings: Exclude<RedisTarget, string> = typeof target === 'string' ? { url: target } : target;
  registerRedisSecrets(settings);
  const roleOptions: RedisOptions =
    role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const common: RedisOptions = {
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: backoff,
    reconnectOnError: reconnectOnReadonly,
    ...(settings.password ? { password: settings.password } : {}),
    ...roleOptions,
    ...extra,
  };
  let client: RedisClient;
  if (settings.cluster) {
    const options: ClusterOptions = {
      redisOptions: common,
      enableOfflineQueue: common.enableOfflineQueue ?? true,
      lazyConnect: common.lazyConnect ?? false,
      // No ready check: ioredis' Cluster.connect() never settles when its check finds
      // cluster_state:fail (a failover in progress) — it reconnects on its own but leaves the
      // caller's promise pending. BullMQ awaits that promise when it resets a worker's blocking
      // connection, so a worker idle at the moment of a failover never took a job again.
      // While the cluster is down, commands meet CLUSTERDOWN and are retried (below).
      enableReadyCheck: false,
      clusterRetryStrategy: backoff,
      // While a replica is promoted the slot answers CLUSTERDOWN or its node is gone: wait and retry.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      slotsRefreshTimeout: 2_000,
    };
    client = new Cluster(settings.cluster.map(parseHostPort), options);
  } else if (settings.sentinels) {
    client = new Redis({
      ...common,
      sentinels: settings.sentinels.map(parseHostPort),
      name: settings.sentinelName ?? 'mymaster',
      role: 'master',
      ...(settings.sentinelPassword ? { sentinelPassword: settings.sentinelPassword } : {}),
      sentinelRetryStrategy: backoff,
      // Subscribes to +switch-master, so a failover moves connections without waiting for a timeout.
      failoverDetector: true,
    });
  } else {
    client = new Redis(settings.url ?? 'redis://127.0.0.1:6379', common);
  }
  // ioredis emits 'error' on every failed reconnect; an unhandled one would crash the process.
  client.on('error', () => undefined);
  if (coalesce && client instanceof Redis) client.on('connect', () => coalesceWrites(client.stream));
  return client;
}

const coalesced = new WeakSet<Socket>();

/**
 * Every command a connection sends during one event-loop turn leaves in one socket write
 * (cork at the turn's first write, uncork when the turn ends). Under load a receiver answers
 * many webhooks per turn and a worker finishes many jobs per turn, and each command was its
 * own write system call: the largest single cost of a webhook after the HTTP exchange
 * (bench/receiver-layers.ts). A command waits at most until the end of the turn it was sent
 * in; nothing is reordered. Applied to each new socket of a connection (reconnects included).
 */
function coalesceWrites(socket: Socket | undefined): void {
  if (!socket || coalesced.has(socket)) return;
  coalesced.add(socket);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}

export function parseHostPort(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  const host = node.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(node.slice(at + 1)) };
}

/** Passwords wherever they came from (the config, REDIS_PASSWORD, a URL's userinfo) never reach a log line or an error text. */
function registerRedisSecrets(settings: Exclude<RedisTarget, string>): void {
  registerSecret(settings.password);
  registerSecret(settings.sentinelPassword);
  if (settings.url) {
    try {
      registerSecret(decodeURIComponent(new URL(settings.url).password));
    } catch {
      // Not a URL ioredis could use either; ioredis reports it.
    }
  }
}

/** Where Redis is, for logs and errors: never a password. */
export function describeRedis(target: RedisTarget): string {
  if (typeof target === 'string') return scrubUrl(target);
  if (target.cluster) return `cluster ${target.cluster.join(',')}`;
  if (target.sentinels) return `sentinel master "${target.sentinelName ?? 'mymaster'}" via ${target.sentinels.join(',')}`;
  return scrubUrl(target.url ?? 'redis://127.0.0.1:6379');
}

function scrubUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return scrub(u.toString());
  } catch {
    return scrub(url).replace(/\/\/[^@/]*@/, '//');
  }
}

/**
 * Why a connection never became ready. `auth`: Redis answered and refused the credentials
 * (WRONGPASS, or NOAUTH when none were given): waiting cannot help, so it is said at once.
 * `unreachable`: no answer within the wait. The message is Redis' own reply, never a password.
 */
export class RedisWaitError extends Error {
  constructor(
    readonly kind: 'auth' | 'unreachable',
    message: string,
    /** Redis' reply that refused the credentials (scrubbed, bounded). */
    readonly reply?: string,
  ) {
    super(message);
    this.name = 'RedisWaitError';
  }
}

/**
 * Redis' replies refusing a connection's credentials (Redis 6+, and `ERR invalid password` from
 * older servers). Not the "no password is set" replies to an AUTH Redis did not ask for: ioredis
 * warns and goes on with those, and the connection becomes ready.
 */
const AUTH_REPLIES = ['WRONGPASS', 'NOAUTH', 'ERR invalid password'];

export async function waitForRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisWaitError('unreachable', `Redis not reachable after ${timeoutMs}ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      const reply = String(err?.message ?? '');
      if (!AUTH_REPLIES.some((r) => reply.startsWith(r))) return;
      cleanup();
      const said = scrub(reply).slice(0, 200);
      reject(new RedisWaitError('auth', `Redis refused the credentials: ${said}`, said));
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/**
 * What a CLI command says when Redis is not there for it: no answer ("is it running?"), or an
 * answer refusing the password ("check the password"), which used to read as "not reachable".
 */
export function redisUnavailable(err: unknown, where: string, waitMs: number, { hint = true } = {}): string {
  if (err instanceof RedisWaitError && err.kind === 'auth')
    return `${where} refused alertworks' credentials (${err.reply})${hint ? '; check REDIS_PASSWORD or the password in the Redis URL' : ''}`;
  return `${where} is not reachable within ${waitMs / 1000}s${hint ? "; is alertworks' Redis running?" : ''}`;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms}ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** QUIT when Redis answers; otherwise drop the connection instead of waiting for a reconnect. */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), timeoutMs, 'redis quit').catch(() => client.disconnect());
}

type ScriptCommand = (numKeys: number, ...keysAndArgs: string[]) => Promise<unknown>;

/**
 * Runs a Lua script by EVALSHA under `name`, defining it on the connection at first use: its
 * text goes to Redis once per connection (ioredis falls back to EVAL when Redis lost it).
 */
export function runScript(redis: RedisClient, name: string, lua: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown> {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  if (!commands[name]) redis.defineCommand(name, { lua });
  return commands[name]!.call(redis, numKeys, ...keysAndArgs);
}
