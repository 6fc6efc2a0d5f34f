import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { registry } from '../../src/observability/metrics.js';
import { WorkerLiveness } from '../../src/runner/worker-liveness.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/ports.js';

async function recreations(): Promise<number> {
  const metric = await registry.getSingleMetric('alertworks_worker_recreations_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

/**
 * The canary is taken, yet a real worker (the check worker, with its own blocking connection)
 * reports itself stuck: liveness recreates the workers, once per timeout, and stops once the
 * report clears.
 */
describe('worker liveness: a worker stuck while the canary is taken', () => {
  let redis: RedisServer;
  let liveness: WorkerLiveness | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await liveness?.close();
    await redis?.destroy();
  });

  it('recreates the workers while a worker reports itself stuck, and not after', async () => {
    const config = parseConfig(`redis: { url: "${redis.url}" }\njobs: { livenessInterval: 100ms, livenessTimeout: 400ms }\n`, 'liveness.yaml', {});
    let stuck: string | undefined = 'check worker took no job for 61s with 16 free slots while a run waits 61s past its moment';
    let recreated = 0;
    const at: number[] = [];
    const before = await recreations();
    liveness = new WorkerLiveness({
      config,
      logger: createLogger({ level: 'silent' }),
      async recreateWorkers() {
        recreated++;
        at.push(Date.now());
        if (recreated === 2) stuck = undefined;
      },
      stuckWorker: async () => stuck,
    });
    liveness.start();
    await waitFor('two recreations', () => recreated >= 2, 10_000, 20);
    expect((await recreations()) - before).toBe(2);
    // Once per timeout (400 ms), not once per tick (100 ms).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(400);
    // Cleared: no more recreations.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(recreated).toBe(2);
    // The canary kept flowing throughout: readiness never refused.
    expect(liveness.live).toBe(true);
  });
});
