import { RedisSentinelSet } from '../support/redis-topologies.js';
import { describeTopology } from './topology-scenarios.js';

const PASSWORD = 'sentinel-node-password-0123';
const SENTINEL_PASSWORD = 'sentinel-own-password-4567';

/** A real Sentinel set (master, replica, three sentinels), passwords on both; alertworks via REDIS_SENTINELS. */
describeTopology('Redis Sentinel', async () => {
  const set = await RedisSentinelSet.start({ password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
  return {
    env: {
      REDIS_SENTINELS: set.sentinelAddresses.join(','),
      REDIS_SENTINEL_NAME: RedisSentinelSet.masterName,
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      REDIS_PASSWORD: PASSWORD,
    },
    target: { sentinels: set.sentinelAddresses, sentinelName: RedisSentinelSet.masterName, sentinelPassword: SENTINEL_PASSWORD, password: PASSWORD },
    async killMaster() {
      const master = await set.master();
      await master.kill('SIGKILL');
      await set.waitForMaster((node) => node.port !== master.port);
      return master.port;
    },
    destroy: () => set.destroy(),
  };
});
