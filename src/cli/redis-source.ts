import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRedis, type RedisTarget } from '../redis.js';

/** Where `npm start` (scripts/start.sh) records the URL of the private Redis it started. */
const REDIS_URL_FILE = join('.data', 'redis-url');

/**
 * Which Redis a CLI command reads, decided once: REDIS_URL when set; else the Redis a running
 * `npm start` recorded in .data/redis-url (so a second terminal sees the same queues); else the
 * config file's redis.url. Returns the environment to load the config with and a description
 * for the "reading Redis at ..." line.
 */
export function cliRedisSource(env: NodeJS.ProcessEnv, cwd = process.cwd()): { env: NodeJS.ProcessEnv; from: string } {
  if (env.REDIS_URL) return { env, from: 'REDIS_URL' };
  const file = join(cwd, REDIS_URL_FILE);
  if (existsSync(file)) {
    const url = readFileSync(file, 'utf8').trim();
    if (/^rediss?:\/\/\S+$/.test(url)) return { env: { ...env, REDIS_URL: url }, from: `${REDIS_URL_FILE}, written by npm start` };
  }
  return { env, from: 'redis.url of the config' };
}

/** The line every command that reads Redis prints first (stderr, so --json output stays clean). */
export function redisLine(target: RedisTarget, from: string): string {
  return `alertworks: reading Redis at ${describeRedis(target)} (from ${from})\n`;
}
