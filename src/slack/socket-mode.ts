import { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { defaultJobOptions } from '../queue/queues.js';
import { withTimeout } from '../redis.js';
import { INTERACTIONS_QUEUE, InteractionIntake } from './interaction-intake.js';
import { countInteraction } from './metrics.js';

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 300_000;

export interface RunningSocketMode {
  close(): Promise<void>;
}

/**
 * Slack Socket Mode: the app opens a websocket to Slack (apps.connections.open with the
 * app-level token) and clicks arrive over it, so no public ingress is needed. The envelopes
 * are not signed (the connection is authenticated); replays are refused by envelope id, and
 * everything after that is the same path as the HTTP endpoint.
 */
export async function startSocketMode(deps: { config: AppConfig; redis: Redis; logger: Logger }): Promise<RunningSocketMode> {
  const { config, redis } = deps;
  const log = deps.logger.child({ endpoint: 'slack-socket-mode' });
  if (!config.slack.appToken) throw new Error('slack.interactivity.mode is socket but SLACK_APP_TOKEN (slack.appToken) is not set');
  // Loaded only in socket mode: the websocket stack is dead weight otherwise.
  const { SocketModeClient, LogLevel } = await import('@slack/socket-mode');
  const queue = new Queue(INTERACTIONS_QUEUE, {
    connection: redis,
    prefix: config.redis.prefix,
    defaultJobOptions: defaultJobOptions(config),
    skipWaitingForReady: true,
  });
  queue.on('error', () => undefined);
  const intake = new InteractionIntake(redis, queue, config.redis.prefix, log);
  const client = new SocketModeClient({
    appToken: config.slack.appToken,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: config.slack.apiUrl ?? 'https://slack.com/api/' },
  });
  client.on('interactive', async ({ ack, body, envelope_id }: { ack: () => Promise<void>; body: unknown; envelope_id: string }) => {
    try {
      await withTimeout(intake.accept(body, `socket:${String(envelope_id).slice(0, 100)}`, 'socket'), 2_000, 'storing the click');
    } catch (err) {
      // Not acknowledged, so the click is not lost silently: Slack shows the user that the
      // app did not answer (they click again), and re-sends an unacknowledged envelope where
      // it does so (same envelope id). A re-send of a click that was stored after all is
      // refused as a replay and acknowledged then.
      countInteraction('unknown', 'unavailable');
      log.warn({ err }, 'could not store a slack interaction from socket mode; left unacknowledged for Slack to retry');
      return;
    }
    await ack().catch((err: unknown) => log.warn({ err }, 'socket mode ack failed'));
  });
  client.on('connected', () => log.info('slack socket mode connected'));
  // Not awaited: Slack unreachable at start must not keep the workers from starting. The
  // client reconnects by itself once connected; a failed first connection is retried here.
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = (delayMs: number): void => {
    client.start().catch((err: unknown) => {
      if (closed) return;
      log.warn({ err, retryInMs: delayMs }, 'slack socket mode: cannot connect; retrying');
      retry = setTimeout(() => connect(Math.min(delayMs * 2, MAX_RETRY_MS)), delayMs);
      retry.unref();
    });
  };
  connect(FIRST_RETRY_MS);
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await withTimeout(client.disconnect(), 2_000, 'closing socket mode').catch(() => undefined);
      await queue.close();
    },
  };
}
