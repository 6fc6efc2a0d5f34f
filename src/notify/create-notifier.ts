import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { LogNotifier } from './log-notifier.js';
import type { ChatNotifier } from './notifier.js';

/** Slack when a bot token is configured, otherwise one structured log line per notification. */
export async function createNotifier(config: AppConfig, logger: Logger): Promise<ChatNotifier> {
  if (config.slack.token) {
    // Loaded only with a token: the Slack client is not needed by a log-only worker.
    const { SlackNotifier } = await import('./slack-notifier.js');
    return new SlackNotifier({ token: config.slack.token, channel: config.slack.channel, apiUrl: config.slack.apiUrl });
  }
  logger.warn('SLACK_BOT_TOKEN is not set: notifications go to the log');
  return new LogNotifier(logger, config.slack.channel);
}
