import { RedisClusterSet } from '../support/redis-topologies.js';
import { describeTopology } from './topology-scenarios.js';

const PASSWORD = 'cluster-password-0123';

/** A real 6-node Redis Cluster (3 masters, 3 replicas) with a password; alertworks via REDIS_CLUSTER_NODES. */
describeTopology('Redis Cluster', async () => {
  const cluster = await RedisClusterSet.start({ password: PASSWORD });
  return {
    env: { REDIS_CLUSTER_NODES: cluster.seeds.slice(0, 3).join(','), REDIS_PASSWORD: PASSWORD },
    target: { cluster: cluster.seeds, password: PASSWORD },
    async killMaster() {
      const master = await cluster.masterOf('{alertworks}');
      await master.kill('SIGKILL');
      // Its replica is promoted once the others agree it is down (cluster-node-timeout).
      await cluster.waitForMaster('{alertworks}', (node) => node.port !== master.port);
      return master.port;
    },
    destroy: () => cluster.destroy(),
  };
});
