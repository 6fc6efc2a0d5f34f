import type { RedisClient as Redis } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import type { ChatNotifier } from '../notify/notifier.js';
import type { IncidentThreads } from '../notify/threads.js';
import type { Logger } from '../observability/logger.js';
import { interactivityMode } from './settings.js';
import { withTimeout } from '../redis.js';

export interface RunningInteractivity {
  /**
   * Replaces the interactions worker with one on fresh connections (worker liveness found
   * this replica's workers stuck): clicks and approval expiries wait in its queue too.
   */
  recreateWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The worker side of Slack interactivity: the interactions queue (clicks, approval expiries)
 * and, in socket mode, the Socket Mode connection. The HTTP endpoint lives with the receiver
 * (interactions-route.ts). Nothing runs when interactivity is off.
 */
export async function startInteractivity(deps: {
  config: AppConfig;
  redis: Redis;
  threads: IncidentThreads;
  notifier: ChatNotifier;
  logger: Logger;
}): Promise<RunningInteractivity | undefined> {
  const mode = interactivityMode(deps.config.slack);
  if (mode === 'off') return undefined;
  // Loaded only with interactivity on: the Slack Web API client and the websocket stack are dead weight otherwise.
  const { startInteractionWorker } = await import('./interaction-worker.js');
  let worker = startInteractionWorker(deps);
  const socket = mode === 'socket' ? await (await import('./socket-mode.js')).startSocketMode(deps) : undefined;
  deps.logger.info({ mode }, 'slack interactivity on');
  return {
    async recreateWorker() {
      const old = worker;
      worker = startInteractionWorker(deps);
      // A stuck worker may never finish closing: its active clicks' locks lapse and they are retried.
      await withTimeout(old.close({ force: true }), 3_000, 'closing the interactions worker').catch(() => undefined);
    },
    async close() {
      await socket?.close();
      await worker.close();
    },
  };
}
