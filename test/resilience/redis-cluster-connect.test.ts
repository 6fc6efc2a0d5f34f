import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, withTimeout, type RedisClient } from '../../src/redis.js';
import { waitFor } from '../support/ports.js';
import { RedisClusterSet } from '../support/redis-topologies.js';

const PASSWORD = 'cluster-connect-0123';

/**
 * A Cluster client that (re)connects while the cluster reports `cluster_state:fail` — the
 * moment between a master's death and its replica's promotion. BullMQ reconnects a worker's
 * blocking connection exactly then (its watchdog resets the connection whose BZPOPMIN died
 * with the master) and awaits `connect()`; a promise that never settles left that worker
 * waiting forever, taking no job again (the check schedule stopped after a failover).
 * Here the slot's master and its replica are both killed, so the cluster stays failed.
 */
describe('Redis Cluster: connecting while the cluster is failed', () => {
  let cluster: RedisClusterSet;
  let client: RedisClient | undefined;

  beforeAll(async () => {
    cluster = await RedisClusterSet.start({ password: PASSWORD });
    const master = await cluster.masterOf('{alertworks}');
    // CLUSTER NODES lines: `<id> <host:port@cport> <flags> <master id or -> …`; the master may
    // learn of its replica a moment after the cluster was created.
    const replicaPort = await waitFor(
      "the master's replica",
      async () => {
        const probe = master.client();
        try {
          const lines = String(await probe.cluster('NODES')).split('\n');
          const masterId = lines.find((l) => l.includes(`:${master.port}@`))?.split(' ')[0];
          const line = lines.find((l) => masterId !== undefined && l.split(' ')[3] === masterId);
          return line ? Number(/:(\d+)@/.exec(line)?.[1]) : undefined;
        } finally {
          probe.disconnect();
        }
      },
      30_000,
      200,
    );
    const replica = cluster.nodes.find((n) => n.port === replicaPort)!;
    await Promise.all([master.kill('SIGKILL'), replica.kill('SIGKILL')]);
    const live = cluster.nodes.find((n) => n.running)!;
    await waitFor(
      'cluster_state:fail',
      async () => {
        const c = live.client({ maxRetriesPerRequest: 1 });
        try {
          return String(await c.cluster('INFO')).includes('cluster_state:fail');
        } finally {
          c.disconnect();
        }
      },
      30_000,
      200,
    );
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.destroy();
  });

  it("settles connect() and answers commands with the cluster's error instead of hanging", async () => {
    const seeds = cluster.nodes.filter((n) => n.running).map((n) => n.address);
    client = createRedis({ cluster: seeds, password: PASSWORD }, 'worker', { lazyConnect: true });
    await withTimeout(client.connect(), 10_000, 'cluster connect');
    expect(client.status).toBe('ready');
    // The dead slot: retried while the cluster might recover, then a clear error, not a wait forever.
    const err = await withTimeout(
      client.get('{alertworks}:probe').then(
        () => undefined,
        (e: unknown) => e as Error,
      ),
      15_000,
      'command on a dead slot',
    );
    expect(err?.message).toMatch(/CLUSTERDOWN|Too many Cluster redirections/);
  });
});
