import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Counter, Gauge } from 'prom-client';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import { createRedis, withTimeout, type RedisClient } from '../redis.js';

const workerLive = new Gauge({
  name: 'alertworks_worker_live',
  help: "Whether this replica's workers took their last canary job in time (1) or not (0); 0 also while they are recreated.",
  registers: [registry],
});

const lastCanary = new Gauge({
  name: 'alertworks_worker_last_canary_timestamp_seconds',
  help: "When this replica's workers last took a canary job (Unix time).",
  registers: [registry],
});

const workerRecreations = new Counter({
  name: 'alertworks_worker_recreations_total',
  help: 'Times this replica recreated its workers because a canary job was not picked up in time, or a worker took no job while runs waited overdue.',
  registers: [registry],
});

export interface WorkerLivenessOptions {
  config: AppConfig;
  logger: Logger;
  /** Recreates every worker of the replica (the action, check and Slack interactions workers) on fresh connections. */
  recreateWorkers(): Promise<void>;
  /**
   * Why one of the real workers looks stuck although the canary is taken (each has its own
   * blocking connection, and one can freeze alone), or undefined. Asked every tick.
   */
  stuckWorker?(): Promise<string | undefined>;
  /** Names this replica's canary queue. @defaultValue host name, pid and a random suffix */
  replicaId?: string;
}

/** A stuck close must not stop the recovery: whatever does not close in this long is dropped. */
const CLOSE_BOUND_MS = 3_000;

/**
 * Worker liveness. A worker can look alive while its blocking connection is stuck (after a
 * failover, a half-open TCP connection): BZPOPMIN waits forever and no job is taken, with no
 * error anywhere. So each replica sends itself a canary job every `jobs.livenessInterval` on
 * a queue of its own, taken by a worker made exactly like the action workers (same factory,
 * same options, its own blocking connection). A canary not taken within `jobs.livenessTimeout`
 * means this replica's workers cannot be trusted to take jobs: readiness goes 503,
 * alertworks_worker_live goes 0, and every worker is recreated on new connections.
 */
export class WorkerLiveness {
  readonly queueName: string;
  private queue?: Queue;
  private worker?: Worker;
  private connections: RedisClient[] = [];
  private timer?: NodeJS.Timeout;
  private lastTaken = Date.now();
  private lastRecreated = 0;
  private recreating?: Promise<void>;
  private closed = false;
  /** Live until a canary is overdue: a replica that just started has not failed to take one yet. */
  private liveNow = true;

  constructor(private readonly options: WorkerLivenessOptions) {
    const id = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    // Queue names may not hold ':' (BullMQ's key separator); keep them short and plain.
    this.queueName = `liveness-${id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80)}`;
  }

  get live(): boolean {
    return this.liveNow;
  }

  /** Why readiness is refused, or undefined when the workers are live. */
  notReadyReason(): string | undefined {
    if (this.liveNow) return undefined;
    const ageS = Math.round((Date.now() - this.lastTaken) / 1000);
    return `workers: no canary job taken for ${ageS}s`;
  }

  start(): void {
    workerLive.set(1);
    this.lastTaken = Date.now();
    this.open();
    this.timer = setInterval(() => void this.tick(), this.options.config.jobs.livenessInterval);
    this.timer.unref();
    void this.tick();
  }

  private open(): void {
    const { config, logger } = this.options;
    const queueConnection = createRedis(config.redis, 'worker');
    const workerConnection = createRedis(config.redis, 'worker');
    this.connections = [queueConnection, workerConnection];
    // A canary every few seconds: keep its event stream short (BullMQ's default keeps 10,000 events).
    this.queue = new Queue(this.queueName, {
      connection: queueConnection,
      prefix: config.redis.prefix,
      skipWaitingForReady: true,
      streams: { events: { maxLen: 100 } },
    });
    this.queue.on('error', () => undefined);
    this.worker = new Worker(
      this.queueName,
      async () => {
        this.lastTaken = Date.now();
        lastCanary.set(this.lastTaken / 1000);
        if (!this.liveNow) logger.info({ queue: this.queueName }, 'workers live: canary job taken');
        this.liveNow = true;
        workerLive.set(1);
      },
      { connection: workerConnection, prefix: config.redis.prefix, concurrency: 1, lockDuration: 30_000 },
    );
    this.worker.on('error', () => undefined);
  }

  private async tick(): Promise<void> {
    if (this.closed || this.recreating) return;
    const { livenessInterval, livenessTimeout } = this.options.config.jobs;
    const now = Date.now();
    if (now - this.lastTaken > livenessTimeout) {
      if (this.liveNow) this.options.logger.error({ queue: this.queueName, timeoutMs: livenessTimeout }, 'workers not live: no canary job taken in time');
      this.liveNow = false;
      workerLive.set(0);
      // Once per timeout: new workers get a whole timeout to prove themselves (Redis may simply be away).
      if (now - this.lastRecreated > livenessTimeout) {
        this.recreating = this.recreate().finally(() => (this.recreating = undefined));
        return;
      }
    }
    // The canary is taken, but a worker of its own may still be frozen: recreate, once per timeout.
    const stuck = await withTimeout(this.options.stuckWorker?.() ?? Promise.resolve(undefined), livenessInterval, 'stuck worker probe').catch(() => undefined);
    if (stuck && now - this.lastRecreated > livenessTimeout && !this.closed) {
      this.options.logger.error({ reason: stuck }, 'a worker takes no jobs although its canary is taken');
      this.recreating = this.recreate().finally(() => (this.recreating = undefined));
      return;
    }
    // A canary that cannot even be stored proves nothing either way; the next tick tries again.
    await withTimeout(
      this.queue!.add('canary', { sentAt: now }, { removeOnComplete: true, removeOnFail: true, attempts: 1 }),
      livenessInterval,
      'canary add',
    ).catch(() => undefined);
  }

  private async recreate(): Promise<void> {
    const { logger } = this.options;
    this.lastRecreated = Date.now();
    workerRecreations.inc();
    logger.warn({ queue: this.queueName }, 'recreating workers on new Redis connections');
    await this.drop();
    try {
      await this.options.recreateWorkers();
    } catch (err) {
      logger.error({ err }, 'recreating workers failed; trying again after the next timeout');
    }
    if (!this.closed) this.open();
  }

  /** Closes the canary queue and worker; a stuck connection is cut instead of waited for. */
  private async drop(): Promise<void> {
    const { worker, queue, connections } = this;
    this.worker = undefined;
    this.queue = undefined;
    this.connections = [];
    await withTimeout(Promise.allSettled([worker?.close(true), queue?.close()]), CLOSE_BOUND_MS, 'closing canary').catch(() => undefined);
    for (const c of connections) c.disconnect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.recreating;
    // The queue is this replica's alone: remove it so replicas that come and go leave no keys.
    if (this.queue) await withTimeout(this.queue.obliterate({ force: true }), CLOSE_BOUND_MS, 'removing canary queue').catch(() => undefined);
    await this.drop();
    workerLive.set(0);
  }
}
