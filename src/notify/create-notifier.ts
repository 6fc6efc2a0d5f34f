import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { LogNotifier } from './log-notifier.js';
import type { ChatNotifier } from './notifier.js';
import { SlackNotifier } from './slack-notifier.js';

/** Slack when a bot token is configured, otherwise one structured log line per notification. */
export function createNotifier(config: AppConfig, logger: Logger): ChatNotifier {
  if (config.slack.token) {
    return new SlackNotifier({ token: config.slack.token, channel: config.slack.channel, apiUrl: config.slack.apiUrl });
  }
  logger.warn('SLACK_BOT_TOKEN is not set: notifications go to the log');
  return new LogNotifier(logger, config.slack.channel);
}
