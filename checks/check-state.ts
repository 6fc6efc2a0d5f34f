import type { RedisClient } from '../src/redis.js';
import type { AppConfig } from '../src/config/schema.js';
import type { FailureReason, Phase, ProbeResult } from './check-type.js';

export type CheckStateName = 'up' | 'down' | 'unknown';

/** What Redis holds about one check (the status page lists these). */
export interface CheckState {
  name: string;
  state: CheckStateName;
  /** When the current state began (ms since epoch); undefined while unknown. */
  since?: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** First failure of the current (or last) outage. */
  downSince?: number;
  /** Outage counter: each DOWN opens incident n+1 (one Slack thread each). */
  incident: number;
  lastResultAt?: number;
  lastSuccess?: boolean;
  lastReason?: FailureReason;
  lastError?: string;
  lastStatusCode?: number;
  lastDurationSeconds?: number;
  lastPhases?: Partial<Record<Phase, number>>;
  /** What chat last heard: 'down' (with announcedIncident) or 'up'/none. */
  announced?: 'up' | 'down';
  announcedIncident?: number;
  lastRemindAt?: number;
  /** Start of the check's maintenance window occurrence that was announced as entered. */
  maintenanceWindow?: number;
}

export type Transition = 'none' | 'down' | 'up' | 'duplicate';

export function checkStateKey(prefix: string, name: string): string {
  return `${prefix}:check:${name}`;
}

export function failingSetKey(prefix: string): string {
  return `${prefix}:checks:failing`;
}

/**
 * Records one result and moves the state machine in one atomic step, so replicas, retries and
 * restarts never double-count. `runAt` is the run's scheduled time: a result whose runAt is not
 * newer than the last recorded one (a retried or duplicated job) changes nothing.
 *
 * unknown/up -> down at failureThreshold consecutive failures (opens incident n+1);
 * unknown/down -> up at successThreshold consecutive successes.
 */
const RECORD = `
local key, failing = KEYS[1], KEYS[2]
local name, runAt, now = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local success = ARGV[4] == '1'
local failureThreshold, successThreshold = tonumber(ARGV[5]), tonumber(ARGV[6])
local last = tonumber(redis.call('HGET', key, 'lastRunAt') or '-1')
local state = redis.call('HGET', key, 'state') or 'unknown'
if runAt <= last then return {'duplicate', state, tonumber(redis.call('HGET', key, 'consecutiveFailures') or '0'), redis.call('HGET', key, 'since') or ''} end
local fails = tonumber(redis.call('HGET', key, 'consecutiveFailures') or '0')
local succ = tonumber(redis.call('HGET', key, 'consecutiveSuccesses') or '0')
local transition = 'none'
redis.call('HSET', key, 'lastRunAt', runAt, 'lastResultAt', now, 'lastSuccess', success and '1' or '0',
  'lastStatusCode', ARGV[9], 'lastDurationSeconds', ARGV[10], 'lastPhases', ARGV[11])
if success then
  succ = succ + 1
  fails = 0
  redis.call('SREM', failing, name)
  if state ~= 'up' and succ >= successThreshold then
    transition = (state == 'down') and 'up' or 'none'
    state = 'up'
    redis.call('HSET', key, 'since', now)
  end
else
  fails = fails + 1
  succ = 0
  if fails == 1 then redis.call('HSET', key, 'firstFailureAt', now) end
  redis.call('SADD', failing, name)
  redis.call('HSET', key, 'lastReason', ARGV[7], 'lastError', ARGV[8])
  if state ~= 'down' and fails >= failureThreshold then
    transition = 'down'
    state = 'down'
    redis.call('HINCRBY', key, 'incident', 1)
    redis.call('HSET', key, 'since', now, 'downSince', redis.call('HGET', key, 'firstFailureAt') or now)
  end
end
redis.call('HSET', key, 'state', state, 'consecutiveFailures', fails, 'consecutiveSuccesses', succ)
return {transition, state, fails, redis.call('HGET', key, 'since') or ''}
`;

export interface RecordInput {
  name: string;
  runAt: number;
  now: number;
  failureThreshold: number;
  successThreshold: number;
  result: ProbeResult;
}

export async function recordResult(redis: RedisClient, prefix: string, input: RecordInput): Promise<{ transition: Transition; state: CheckStateName; consecutiveFailures: number; since?: number }> {
  const r = input.result;
  const reply = (await redis.eval(
    RECORD,
    2,
    checkStateKey(prefix, input.name),
    failingSetKey(prefix),
    input.name,
    String(input.runAt),
    String(input.now),
    r.success ? '1' : '0',
    String(input.failureThreshold),
    String(input.successThreshold),
    r.failureReason ?? '',
    (r.error ?? '').slice(0, 500),
    r.statusCode === undefined ? '' : String(r.statusCode),
    r.durationSeconds.toFixed(6),
    JSON.stringify(r.phases),
  )) as [Transition, CheckStateName, number, string];
  return { transition: reply[0], state: reply[1], consecutiveFailures: reply[2], since: num(reply[3]) };
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export function parseState(name: string, h: Record<string, string>): CheckState {
  return {
    name,
    state: (h.state as CheckStateName | undefined) ?? 'unknown',
    since: num(h.since),
    consecutiveFailures: num(h.consecutiveFailures) ?? 0,
    consecutiveSuccesses: num(h.consecutiveSuccesses) ?? 0,
    downSince: num(h.downSince),
    incident: num(h.incident) ?? 0,
    lastResultAt: num(h.lastResultAt),
    lastSuccess: h.lastSuccess === undefined ? undefined : h.lastSuccess === '1',
    lastReason: (h.lastReason || undefined) as FailureReason | undefined,
    lastError: h.lastError || undefined,
    lastStatusCode: num(h.lastStatusCode),
    lastDurationSeconds: num(h.lastDurationSeconds),
    lastPhases: h.lastPhases ? (JSON.parse(h.lastPhases) as Partial<Record<Phase, number>>) : undefined,
    announced: (h.announced as 'up' | 'down' | undefined) || undefined,
    announcedIncident: num(h.announcedIncident),
    lastRemindAt: num(h.lastRemindAt),
    maintenanceWindow: num(h.maintenanceWindow),
  };
}

export async function readCheckState(redis: RedisClient, prefix: string, name: string): Promise<CheckState> {
  return parseState(name, await redis.hgetall(checkStateKey(prefix, name)));
}

/**
 * The state of each named check, in order (for the status page: up/down, since when, why).
 * Checks never run yet are `unknown`.
 */
export async function readCheckStates(redis: RedisClient, prefix: string, names: readonly string[]): Promise<CheckState[]> {
  if (names.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const name of names) pipeline.hgetall(checkStateKey(prefix, name));
  const replies = (await pipeline.exec()) ?? [];
  return names.map((name, i) => {
    const [err, h] = replies[i] ?? [null, {}];
    if (err) throw err;
    return parseState(name, (h ?? {}) as Record<string, string>);
  });
}

/** Every configured check's state, in config order. */
export function readConfiguredCheckStates(redis: RedisClient, config: Pick<AppConfig, 'redis' | 'checks'>): Promise<CheckState[]> {
  return readCheckStates(redis, config.redis.prefix, config.checks.map((c) => c.name));
}
