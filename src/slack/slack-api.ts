import { LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import type { Logger } from '../observability/logger.js';
import { scrub } from '../observability/redact.js';
import { tracedFetch } from '../observability/traced-fetch.js';
import { classifySlackError } from '../notify/slack-notifier.js';

/** The Slack calls interactivity needs beyond posting: ephemeral answers and user group members. */
export interface SlackInteractionApi {
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** Member user ids of a user group (`usergroups:read`). */
  usergroupMembers(group: string): Promise<string[]>;
}

/** Over the Web API with the bot token; failures classified like the notifier's. */
export class SlackWebInteractionApi implements SlackInteractionApi {
  private readonly client: WebClient;

  constructor(token: string, apiUrl?: string) {
    this.client = new WebClient(token, {
      slackApiUrl: apiUrl ?? 'https://slack.com/api/',
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 10_000,
      logLevel: LogLevel.ERROR,
      fetch: tracedFetch,
    });
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text: scrub(text) }).catch((err: WebAPICallError) => {
      throw classifySlackError(err, 'chat.postEphemeral');
    });
  }

  async usergroupMembers(group: string): Promise<string[]> {
    const res = await this.client.usergroups.users.list({ usergroup: group }).catch((err: WebAPICallError) => {
      throw classifySlackError(err, 'usergroups.users.list');
    });
    return res.users ?? [];
  }
}

/** Without a bot token: answers go to the log, and no user group has members we can see. */
export class LogInteractionApi implements SlackInteractionApi {
  constructor(private readonly logger: Logger) {}

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    this.logger.info({ ephemeral: { channel, user, text: scrub(text) } }, 'notification');
  }

  async usergroupMembers(): Promise<string[]> {
    return [];
  }
}

const GROUP_CACHE_MS = 60_000;

/** Whether a Slack user may decide approvals: listed by id, or a member of a listed user group. */
export class Approvers {
  private readonly cache = new Map<string, { at: number; members: Set<string> }>();

  constructor(
    private readonly approvers: readonly string[],
    private readonly api: SlackInteractionApi,
  ) {}

  async allows(userId: string, now = Date.now()): Promise<boolean> {
    if (this.approvers.includes(userId)) return true;
    for (const group of this.approvers.filter((a) => a.startsWith('S'))) {
      let entry = this.cache.get(group);
      if (!entry || now - entry.at > GROUP_CACHE_MS) {
        entry = { at: now, members: new Set(await this.api.usergroupMembers(group)) };
        this.cache.set(group, entry);
      }
      if (entry.members.has(userId)) return true;
    }
    return false;
  }
}
