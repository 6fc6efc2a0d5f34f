import type { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../src/redis.js';
import { Gauge } from 'prom-client';
import type { AppConfig } from '../src/config/schema.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import { LogGate, errorKey } from '../src/observability/log-gate.js';
import type { Logger } from '../src/observability/logger.js';
import { registry } from '../src/observability/metrics.js';
import { forgetCheckMetrics } from './check-metrics.js';
import { checkGeneration, type Claim, ScheduleOwnership } from './schedule-owner.js';
import { resyncIntervalMs } from './check-runner-settings.js';

const SCHEDULER_PREFIX = 'check:';

export interface CheckJobData {
  check: string;
  /** The settings its schedule was written with (see templateData): how a resync tells a healthy schedule. */
  schedule?: string;
}

const configMismatch = new Gauge({
  name: 'alertworks_check_config_mismatch',
  help: 'Whether replicas running another check config own the check schedules (1): this replica leaves them alone and runs no checks.',
  registers: [registry],
});

function schedulerId(name: string): string {
  return `${SCHEDULER_PREFIX}${name}`;
}

/**
 * Where in its interval a check runs: a stable hash of its name, like Prometheus spreads scrape
 * targets. Without it every check of one interval would fire at the same instant (they are all
 * upserted at start) and queue behind each other; with it the same load arrives evenly.
 */
export function spreadOffset(name: string, intervalMs: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h % intervalMs;
}

/** Bump when the job template written below changes (attempts, backoff, data): every schedule is then written again. */
const SCHEDULE_FORMAT = 1;

/**
 * A check's job template data: its name, and the settings its schedule is written with
 * (format, interval, offset, job retention), which BullMQ keeps in the scheduler's hash so a
 * resync can tell a schedule that holds them.
 */
function templateData(check: AppConfig['checks'][number], keep: number): CheckJobData {
  return { check: check.name, schedule: `${SCHEDULE_FORMAT}/${check.intervalMs}/${spreadOffset(check.name, check.intervalMs)}/${keep}` };
}

/**
 * ARGV: pairs of a scheduler id and the job template data (JSON, as BullMQ stores it) it should
 * have. Returns the ids whose scheduler (KEYS[1], BullMQ's repeat set; its hash at
 * KEYS[1]:<id>) holds that template and whose next run is waiting in the delayed set (KEYS[2])
 * under the job id BullMQ gives it. Read from the schedules themselves, not from a record of
 * what was written: whoever wrote them (another replica, an older alertworks, nobody since
 * Redis lost them), what is there is what counts.
 */
const HEALTHY_LUA = `local healthy = {}
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local at = redis.call('ZSCORE', KEYS[1], id)
  if at and redis.call('HGET', KEYS[1] .. ':' .. id, 'data') == ARGV[i + 1]
    and redis.call('ZSCORE', KEYS[2], 'repeat:' .. id .. ':' .. at) then healthy[#healthy + 1] = id end
end
return healthy`;

/** Schedules per script call: Redis answers each in about a millisecond, so due runs are not held up. */
const HEALTHY_BATCH = 1_000;

/**
 * The checks whose schedule already holds the settings the config wants and whose next run is
 * still waiting in the delayed set. Upserting those again would change nothing but cost:
 * BullMQ's upsert removes the pending job and adds it back, ~10 writes and 2 events per check,
 * at every resync (at 10,000 checks and 30 s, 330 a second) and at every restart of every
 * replica (10,000 upserts took ~2 s and delayed the runs due meanwhile). One script call per
 * 1,000 checks: a pipeline of 20,000 commands kept the event loop busy long enough to delay
 * due runs.
 */
async function healthySchedules(queue: Queue<CheckJobData>, client: Redis, checks: AppConfig['checks'], keep: number): Promise<Set<string>> {
  const healthy = new Set<string>();
  for (let i = 0; i < checks.length; i += HEALTHY_BATCH) {
    const args = checks.slice(i, i + HEALTHY_BATCH).flatMap((c) => [schedulerId(c.name), JSON.stringify(templateData(c, keep))]);
    const found = (await client.eval(HEALTHY_LUA, 2, queue.toKey('repeat'), queue.toKey('delayed'), ...args)) as string[];
    for (const id of found) healthy.add(id.slice(SCHEDULER_PREFIX.length));
  }
  return healthy;
}

/**
 * Makes the queue's job schedulers match the config: one per check (upsert is keyed by the
 * check name, so any number of replicas leave exactly one), none for checks that left it.
 * Idempotent: a schedule that holds the wanted settings and has its next run pending is left
 * alone; one written with other settings (a config change, another alertworks version), lost
 * with Redis' data, or whose chain of runs broke (its next job never written) is upserted,
 * which starts its chain again.
 */
async function syncCheckSchedules(
  queue: Queue<CheckJobData>,
  client: Redis,
  config: AppConfig,
): Promise<{ upserted: string[]; removed: string[]; failed: { check: string; err: unknown }[] }> {
  const keep = config.checkRunner.keepJobs;
  const upserted: string[] = [];
  const failed: { check: string; err: unknown }[] = [];
  const healthy = await healthySchedules(queue, client, config.checks, keep);
  for (const check of config.checks) {
    if (healthy.has(check.name)) continue;
    try {
      await queue.upsertJobScheduler(
        schedulerId(check.name),
        { every: check.intervalMs, offset: spreadOffset(check.name, check.intervalMs) },
        // One attempt plus one retry: a retry re-probes but records nothing twice (runAt dedup) and finishes notifying.
        {
          name: 'check',
          data: templateData(check, keep),
          opts: { attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: keep, removeOnFail: keep },
        },
      );
      upserted.push(check.name);
    } catch (err) {
      // One schedule that cannot be written must not keep the others from being written (or run).
      failed.push({ check: check.name, err });
    }
  }
  const wanted = new Set(config.checks.map((c) => schedulerId(c.name)));
  const removed: string[] = [];
  // The ids alone: getJobSchedulers reads and decodes every scheduler's hash (10,000 HGETALLs
  // at 10,000 checks), which stalled due runs for ~0.8 s at each resync.
  for (const id of await client.zrange(queue.toKey('repeat'), 0, -1)) {
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      forgetCheckMetrics(id.slice(SCHEDULER_PREFIX.length));
      removed.push(id.slice(SCHEDULER_PREFIX.length));
    }
  }
  return { upserted, removed, failed };
}

export interface ScheduleKeeperOptions {
  queue: Queue<CheckJobData>;
  /** The queue's connection: its `ready` after a reconnect means Redis may have lost the schedules. */
  connection: Redis;
  /** Where the ownership record lives (any worker connection). */
  redis: Redis;
  config: AppConfig;
  logger: Logger;
  threads: IncidentThreads;
  /** Called after every sync that could tell: run checks (owner) or not. */
  onOwnership(owner: boolean): Promise<void>;
  /** Told the checks whose schedules this sync removed (they left the config). */
  onRemoved?(checks: readonly string[]): Promise<void>;
}

export type SyncOutcome = { owner: true; upserted: string[]; removed: string[] } | { owner: false; generation: string };

/**
 * Keeps the check schedules derived from the config for as long as the process runs: at start,
 * after every reconnect to Redis (a restarted Redis may be empty) and every
 * `checkRunner.resyncInterval` (a Redis that refused writes may have broken a schedule's chain
 * of runs without any reconnect). Only the generation that owns the schedules changes them.
 */
export class ScheduleKeeper {
  readonly generation: string;
  readonly ownership: ScheduleOwnership;
  readonly resyncMs: number;
  private readonly gate: LogGate;
  private timer?: NodeJS.Timeout;
  private running?: Promise<SyncOutcome | undefined>;
  private again = false;
  private stopped = false;
  private owner = false;
  private firstReadySeen = false;
  /** The connection's first `ready` is the start itself; every later one follows a reconnect. */
  private readonly onReady = () => {
    if (this.firstReadySeen) void this.resync('reconnect');
    this.firstReadySeen = true;
  };

  constructor(private readonly o: ScheduleKeeperOptions) {
    this.generation = checkGeneration(o.config.checks);
    this.resyncMs = resyncIntervalMs(o.config.checkRunner, o.config.checks);
    this.ownership = new ScheduleOwnership(o.redis, o.config.redis.prefix);
    this.gate = new LogGate(o.logger, 60_000);
  }

  get owning(): boolean {
    return this.owner;
  }

  /** First sync (not awaited by startup: with Redis away it waits for it), then the reconnect hook and the timer. */
  start(): Promise<SyncOutcome | undefined> {
    const first = this.resync('start');
    if (this.o.connection.status === 'ready') this.firstReadySeen = true;
    this.o.connection.on('ready', this.onReady);
    this.timer = setInterval(() => void this.resync('timer'), this.resyncMs);
    this.timer.unref();
    return first;
  }

  /** One sync at a time; a request during one runs once more after it. */
  resync(reason: string): Promise<SyncOutcome | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.syncOnce(reason).finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.resync(reason);
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.o.connection.off('ready', this.onReady);
    await this.running?.catch(() => undefined);
    if (this.owner) await this.ownership.release().catch(() => undefined);
  }

  private async syncOnce(reason: string): Promise<SyncOutcome | undefined> {
    const { config, logger } = this.o;
    const { takeOverSchedules } = config.checkRunner;
    try {
      // A heartbeat outlives a few missed syncs; a stopped replica's counts no more after it.
      const claim = await this.ownership.claim(
        this.generation,
        config.checks.map((c) => c.name),
        this.resyncMs * 3 + 5_000,
        takeOverSchedules,
      );
      if (!claim.owner) {
        await this.reportMismatch(claim);
        return { owner: false, generation: claim.generation };
      }
      configMismatch.set(0);
      if (claim.previous && claim.previous !== this.generation) {
        logger.warn({ generation: this.generation, previous: claim.previous, takeOver: takeOverSchedules }, 'this config now owns the check schedules');
      }
      const { upserted, removed, failed } = await syncCheckSchedules(this.o.queue, this.o.connection, config);
      this.owner = true;
      await this.o.onOwnership(true);
      if (removed.length > 0) await this.o.onRemoved?.(removed);
      const [first] = failed;
      if (first) {
        this.gate.log(
          'error',
          errorKey('schedule', first.err),
          { checks: failed.slice(0, 20).map((f) => f.check), failed: failed.length, err: first.err, reason },
          'could not set up some check schedules; retrying at the next sync',
        );
      }
      const log = { checks: config.checks.length, upserted: upserted.length, removed, generation: this.generation, reason };
      if (reason === 'timer') logger.debug(log, 'check schedules in place');
      else logger.info(log, 'check schedules in place');
      return { owner: true, upserted, removed };
    } catch (err) {
      this.gate.log('error', errorKey('schedules', err), { err, reason }, 'could not set up check schedules; retrying');
      return undefined;
    }
  }

  private async reportMismatch(claim: Extract<Claim, { owner: false }>): Promise<void> {
    configMismatch.set(1);
    this.owner = false;
    await this.o.onOwnership(false);
    const ours = new Set(this.o.config.checks.map((c) => c.name));
    const theirs = new Set(claim.checks);
    const fields = {
      generation: this.generation,
      owner: claim.generation,
      ownerReplicas: claim.replicas,
      onlyHere: [...ours].filter((n) => !theirs.has(n)).slice(0, 20),
      onlyThere: [...theirs].filter((n) => !ours.has(n)).slice(0, 20),
    };
    this.gate.log(
      'error',
      `mismatch:${claim.generation}`,
      fields,
      'check config differs from the replicas that own the check schedules: leaving their schedules alone and running no checks here (set checkRunner.takeOverSchedules to take over)',
    );
    const text =
      `:warning: A \`work\` replica runs another check config (generation \`${this.generation}\`) than the replicas that own the check schedules (\`${claim.generation}\`, ${claim.replicas} live). ` +
      `It leaves their schedules alone and runs no checks. Only in its config: ${list(fields.onlyHere)}; only in theirs: ${list(fields.onlyThere)}. ` +
      'Deploy one config everywhere, or set `checkRunner.takeOverSchedules: true` on the replicas whose config should win.';
    try {
      await this.o.threads.say('checks-config', { text }, { step: `mismatch:${this.generation}:${claim.generation}` });
    } catch (err) {
      this.gate.log('warn', errorKey('mismatch-slack', err), { err }, 'could not report the check config mismatch to chat');
    }
  }
}

function list(names: readonly string[]): string {
  return names.length ? names.map((n) => `\`${n}\``).join(', ') : 'none';
}
