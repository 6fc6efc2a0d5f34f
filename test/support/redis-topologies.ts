import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, waitFor } from './ports.js';

const run = promisify(execFile);

/** One redis-server (or redis-sentinel) process on loopback with its own directory. */
export class RedisNode {
  private proc?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: readonly string[],
    private readonly binary = 'redis-server',
    /** What this process asks of its clients (requirepass). */
    readonly password?: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    this.proc = spawn(this.binary, [...this.args], { cwd: this.dir, stdio: 'ignore' });
    const proc = this.proc;
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    await waitFor(
      `${this.binary} on ${this.port}`,
      async () => {
        // Exited at once (e.g. another process took the port between freePort and now): say so now.
        if (!this.running) throw new Error(`${this.binary} on ${this.port} exited (${proc.exitCode ?? proc.signalCode})`);
        return this.ping();
      },
      30_000,
      50,
    );
  }

  /** PING over a throw-away connection; false when nothing answers. */
  async ping(): Promise<boolean> {
    const c = this.client({ lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }

  client(extra: RedisOptions = {}): Redis {
    const c = new Redis({ host: '127.0.0.1', port: this.port, ...(this.password ? { password: this.password } : {}), ...extra });
    c.on('error', () => undefined);
    return c;
  }

  /** SIGKILL is a crash: no failover handshake, no save. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.proc?.kill(signal);
    await this.exited;
  }
}

function nodeDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function serverArgs(port: number, extra: readonly string[] = []): string[] {
  // noeviction + AOF: the settings docs/scaling.md asks for in production.
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--maxmemory-policy',
    'noeviction',
    '--loglevel',
    'warning',
    ...extra,
  ];
}

/**
 * A real Redis Cluster on loopback: three masters and three replicas (`redis-cli --cluster
 * create … --cluster-replicas 1`). `cluster-node-timeout` is short so a killed master's replica
 * is promoted within seconds; `cluster-replica-validity-factor 0` lets that replica stand for
 * election however long ago it last heard from its master (on a loaded machine a replica's link
 * can look stale, and a replica that refuses to stand leaves the slot without a master).
 */
export class RedisClusterSet {
  private constructor(
    readonly nodes: RedisNode[],
    private readonly root: string,
  ) {}

  static async start(options: { password?: string; nodeTimeoutMs?: number } = {}): Promise<RedisClusterSet> {
    const root = nodeDir('aw-cluster-');
    const nodes: RedisNode[] = [];
    for (let i = 0; i < 6; i++) {
      const port = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      const auth = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
      nodes.push(
        new RedisNode(
          port,
          dir,
          serverArgs(port, [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 1500),
            '--cluster-replica-validity-factor',
            '0',
            ...auth,
          ]),
          'redis-server',
          options.password,
        ),
      );
    }
    const set = new RedisClusterSet(nodes, root);
    try {
      await Promise.all(nodes.map((n) => n.start()));
      const auth = options.password ? ['-a', options.password, '--no-auth-warning'] : [];
      await run('redis-cli', [...auth, '--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
      await waitFor(
        'cluster state ok on every node',
        async () => {
          for (const n of nodes) {
            const c = n.client({ lazyConnect: true, retryStrategy: () => null });
            try {
              await c.connect();
              const info = await c.cluster('INFO');
              if (!String(info).includes('cluster_state:ok')) return false;
            } finally {
              c.disconnect();
            }
          }
          return true;
        },
        30_000,
        200,
      );
    } catch (err) {
      await set.destroy();
      throw err;
    }
    return set;
  }

  get seeds(): string[] {
    return this.nodes.map((n) => n.address);
  }

  /** The node that is master of the slot of `key` now (asked of any live node). */
  async masterOf(key: string): Promise<RedisNode> {
    const live = this.nodes.find((n) => n.running);
    if (!live) throw new Error('no cluster node is running');
    const c = live.client();
    try {
      const slot = Number(await c.cluster('KEYSLOT', key));
      const slots = await c.cluster('SLOTS');
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      const port = range?.[2]?.[1];
      const node = this.nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no master found for slot ${slot}`);
      return node;
    } finally {
      c.disconnect();
    }
  }

  /** Waits until the slot of `key` has a master that passes `accept` and the cluster is ok again. */
  async waitForMaster(key: string, accept: (node: RedisNode) => boolean, timeoutMs = 60_000): Promise<RedisNode> {
    return waitFor(
      `a new master for ${key}`,
      async () => {
        const node = await this.masterOf(key);
        if (!accept(node)) return undefined;
        const c = node.client({ maxRetriesPerRequest: 1 });
        try {
          return String(await c.cluster('INFO')).includes('cluster_state:ok') ? node : undefined;
        } finally {
          c.disconnect();
        }
      },
      timeoutMs,
      200,
    );
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * A real Sentinel set on loopback: a master, one replica and three `redis-sentinel` processes
 * (quorum 2), with short down-after/failover timeouts so a failover finishes within seconds.
 */
export class RedisSentinelSet {
  static readonly masterName = 'alertworks';

  private constructor(
    readonly servers: RedisNode[],
    readonly sentinels: RedisNode[],
    private readonly root: string,
  ) {}

  static async start(options: { password?: string; sentinelPassword?: string; downAfterMs?: number } = {}): Promise<RedisSentinelSet> {
    const root = nodeDir('aw-sentinel-');
    const auth = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
    const masterPort = await freePort();
    const replicaPort = await freePort();
    const mk = (port: number, extra: string[]) => {
      const dir = join(root, String(port));
      mkdirSync(dir);
      return new RedisNode(port, dir, serverArgs(port, [...auth, ...extra]), 'redis-server', options.password);
    };
    const master = mk(masterPort, []);
    const replica = mk(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    const sentinels: RedisNode[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = join(root, `s${port}`);
      mkdirSync(dir);
      const conf = join(dir, 'sentinel.conf');
      const lines = [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${RedisSentinelSet.masterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${RedisSentinelSet.masterName} ${options.downAfterMs ?? 1500}`,
        `sentinel failover-timeout ${RedisSentinelSet.masterName} 10000`,
        `sentinel parallel-syncs ${RedisSentinelSet.masterName} 1`,
        'loglevel warning',
      ];
      if (options.password) lines.push(`sentinel auth-pass ${RedisSentinelSet.masterName} ${options.password}`);
      if (options.sentinelPassword) lines.push(`requirepass ${options.sentinelPassword}`, `sentinel sentinel-pass ${options.sentinelPassword}`);
      writeFileSync(conf, `${lines.join('\n')}\n`);
      const node = new RedisNode(port, dir, [conf], 'redis-sentinel', options.sentinelPassword);
      sentinels.push(node);
    }
    const set = new RedisSentinelSet([master, replica], sentinels, root);
    try {
      await master.start();
      await replica.start();
      await Promise.all(sentinels.map((s) => s.start()));
      await waitFor(
        'sentinels to know the replica and each other',
        async () => {
          for (const s of sentinels) {
            const c = s.client();
            try {
              const info = (await c.call('SENTINEL', 'MASTER', RedisSentinelSet.masterName)) as string[];
              const field = (name: string) => Number(info[info.indexOf(name) + 1]);
              if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
            } finally {
              c.disconnect();
            }
          }
          return true;
        },
        30_000,
        200,
      );
    } catch (err) {
      await set.destroy();
      throw err;
    }
    return set;
  }

  get sentinelAddresses(): string[] {
    return this.sentinels.map((s) => s.address);
  }

  /** The server the sentinels name as master now. */
  async master(): Promise<RedisNode> {
    for (const s of this.sentinels.filter((x) => x.running)) {
      const c = s.client({ maxRetriesPerRequest: 1 });
      try {
        const [, port] = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', RedisSentinelSet.masterName)) as [string, string];
        const node = this.servers.find((n) => n.port === Number(port));
        if (node) return node;
      } catch {
        // Ask the next sentinel.
      } finally {
        c.disconnect();
      }
    }
    throw new Error('no sentinel names a master');
  }

  /** Waits until the sentinels name a master that passes `accept` and it answers as a master. */
  async waitForMaster(accept: (node: RedisNode) => boolean, timeoutMs = 60_000): Promise<RedisNode> {
    return waitFor(
      'the sentinels to promote a replica',
      async () => {
        const node = await this.master();
        if (!accept(node) || !node.running) return undefined;
        const c = node.client({ maxRetriesPerRequest: 1 });
        try {
          return String(await c.info('replication')).includes('role:master') ? node : undefined;
        } finally {
          c.disconnect();
        }
      },
      timeoutMs,
      200,
    );
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((n) => n.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }
}
