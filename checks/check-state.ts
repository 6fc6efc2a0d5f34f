import { z } from 'zod';
import type { RedisClient } from '../src/redis.js';
import type { AppConfig } from '../src/config/schema.js';
import { withLease, type LeaseResult } from '../src/lease.js';
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
  /**
   * Fields of the stored record that did not fit the schema (written by another version, or
   * damaged), named with what is wrong; they read as absent. A bad `state` reads as unknown.
   * The next run rewrites the state machine's fields.
   */
  unreadable?: string;
}

export type Transition = 'none' | 'down' | 'up' | 'duplicate';

function checkStateKey(prefix: string, name: string): string {
  return `${prefix}:check:${name}`;
}

function failingSetKey(prefix: string): string {
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

export async function recordResult(
  redis: RedisClient,
  prefix: string,
  input: RecordInput,
): Promise<{ transition: Transition; state: CheckStateName; consecutiveFailures: number; since?: number }> {
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

const count = z.coerce.number().int().nonnegative();
const epochMs = z.coerce.number().int().nonnegative();
const phasesJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.number()));

/** One schema per hash field: the hash is written field by field (Lua, announce), so it is read that way. */
const STATE_FIELDS = {
  state: z.enum(['up', 'down', 'unknown']),
  since: epochMs,
  consecutiveFailures: count,
  consecutiveSuccesses: count,
  downSince: epochMs,
  incident: count,
  lastResultAt: epochMs,
  lastSuccess: z.enum(['0', '1']).transform((v) => v === '1'),
  lastReason: z
    .string()
    .max(64)
    .regex(/^[a-z_]+$/, 'not a failure reason'),
  lastError: z.string(),
  lastStatusCode: z.coerce.number().int(),
  lastDurationSeconds: z.coerce.number().nonnegative(),
  lastPhases: phasesJson,
  announced: z.enum(['up', 'down']),
  announcedIncident: count,
  lastRemindAt: epochMs,
  maintenanceWindow: epochMs,
} as const;

const STATE_HASH = z.object(
  Object.fromEntries(Object.entries(STATE_FIELDS).map(([k, schema]) => [k, schema.optional()])) as {
    [K in keyof typeof STATE_FIELDS]: z.ZodOptional<(typeof STATE_FIELDS)[K]>;
  },
);

/**
 * Reads the stored hash of one check. Empty fields are absent; a field that does not fit its
 * schema reads as absent too and is named in `unreadable`, so one bad field never hides the
 * rest (or crashes the page).
 */
export function parseState(name: string, h: Record<string, string>): CheckState {
  const present: Record<string, string> = {};
  for (const field of Object.keys(STATE_FIELDS)) {
    const raw = h[field];
    if (raw !== undefined && raw !== '') present[field] = raw;
  }
  // One parse of the whole hash (the page reads 1,000 of these); field by field only to name
  // what does not fit and keep the rest.
  const whole = STATE_HASH.safeParse(present);
  let out: Record<string, unknown> = whole.success ? whole.data : {};
  const problems: string[] = [];
  if (!whole.success) {
    out = {};
    for (const [field, raw] of Object.entries(present)) {
      const parsed = (STATE_FIELDS[field as keyof typeof STATE_FIELDS] as z.ZodType).safeParse(raw);
      if (parsed.success) out[field] = parsed.data;
      else problems.push(`${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
  }
  const v = out as Partial<Omit<CheckState, 'name'>>;
  return {
    name,
    state: v.state ?? 'unknown',
    since: v.since,
    consecutiveFailures: v.consecutiveFailures ?? 0,
    consecutiveSuccesses: v.consecutiveSuccesses ?? 0,
    downSince: v.downSince,
    incident: v.incident ?? 0,
    lastResultAt: v.lastResultAt,
    lastSuccess: v.lastSuccess,
    lastReason: v.lastReason,
    lastError: v.lastError,
    lastStatusCode: v.lastStatusCode,
    lastDurationSeconds: v.lastDurationSeconds,
    lastPhases: v.lastPhases,
    announced: v.announced,
    announcedIncident: v.announcedIncident,
    lastRemindAt: v.lastRemindAt,
    maintenanceWindow: v.maintenanceWindow,
    ...(problems.length > 0 ? { unreadable: problems.join('; ') } : {}),
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
  return readCheckStates(
    redis,
    config.redis.prefix,
    config.checks.map((c) => c.name),
  );
}

/** What chat has heard about a check's outages (written by checks/check-notify.ts, after each message). */
export interface AnnouncedFields {
  announced?: 'up' | 'down';
  announcedIncident?: number;
  lastRemindAt?: number;
}

/**
 * The chat side of the check state, for checks/check-notify.ts: what was announced, the check's
 * maintenance window, and the holds shared by all checks (global maintenance, lost
 * connectivity). Every key is built here; nothing else writes the `check:*` and `checks:*` keys.
 */
export class CheckChatState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  read(name: string): Promise<CheckState> {
    return readCheckState(this.redis, this.prefix, name);
  }

  /**
   * Runs `work` holding the check's announce lease; not acquired when another process holds it.
   * A lease, not a long lock: a process killed while announcing must not hold messages back long.
   */
  withAnnounceLease<T>(name: string, work: () => Promise<T>): Promise<LeaseResult<T>> {
    return withLease(this.redis, `${checkStateKey(this.prefix, name)}:announce-lock`, work);
  }

  async recordAnnounced(name: string, fields: AnnouncedFields): Promise<void> {
    const values = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => [k, String(v)]);
    if (values.length > 0) await this.redis.hset(checkStateKey(this.prefix, name), ...values);
  }

  /** Start of the window occurrence recorded as entered, if any. */
  async maintenanceWindow(name: string): Promise<number | undefined> {
    const raw = await this.redis.hget(checkStateKey(this.prefix, name), 'maintenanceWindow');
    if (raw === null || raw === '') return undefined;
    const parsed = STATE_FIELDS.maintenanceWindow.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  async enterMaintenance(name: string, startMs: number): Promise<void> {
    await this.redis.hset(checkStateKey(this.prefix, name), 'maintenanceWindow', startMs);
  }

  async leaveMaintenance(name: string): Promise<void> {
    await this.redis.hdel(checkStateKey(this.prefix, name), 'maintenanceWindow');
    await this.redis.expire(this.maintenanceSaidKey(name), 30 * 86_400);
  }

  /** True the first time only: "entered"/"left" for one window occurrence is said once. */
  async claimMaintenanceMessage(name: string, what: 'enter' | 'leave', startMs: number | string): Promise<boolean> {
    return (await this.redis.hsetnx(this.maintenanceSaidKey(name), `${what}:${startMs}`, '1')) === 1;
  }

  private maintenanceSaidKey(name: string): string {
    return `${checkStateKey(this.prefix, name)}:maintenance-said`;
  }

  /** Records the global window as entered; returns the start recorded before (SET ... GET). */
  enterGlobalMaintenance(startMs: number): Promise<string | null> {
    return this.redis.set(`${this.prefix}:checks:maintenance`, String(startMs), 'GET');
  }

  /** Clears the global window; returns its start when one was recorded (once, across replicas). */
  leaveGlobalMaintenance(): Promise<string | null> {
    return this.redis.getdel(`${this.prefix}:checks:maintenance`);
  }

  /** Names of the checks whose last result failed. */
  failingChecks(): Promise<string[]> {
    return this.redis.smembers(failingSetKey(this.prefix));
  }

  /** True for the one caller that records connectivity as lost. */
  async markConnectivityLost(now: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:checks:connectivity-lost`, String(now), 'NX')) === 'OK';
  }

  /** Clears the mark; returns when connectivity was lost, to the one caller that cleared it. */
  clearConnectivityLost(): Promise<string | null> {
    return this.redis.getdel(`${this.prefix}:checks:connectivity-lost`);
  }
}
