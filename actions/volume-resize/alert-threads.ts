import type { RedisClient as Redis } from '../../src/redis.js';
import type { ChatMessage, ChatNotifier, ChatRef } from '../../src/notify/notifier.js';
import { IncidentThreads, type SayOptions } from '../../src/notify/threads.js';
import type { IncidentControls } from '../../src/slack/incident-controls.js';

/**
 * The threads of one alert job: the message that opens a thread gets the alert's Silence and
 * Acknowledge buttons (when Slack interactivity is on), like the threads `notify` opens. A
 * message that brings its own buttons (an approval request) is left as it is.
 */
export class AlertThreads extends IncidentThreads {
  constructor(
    redis: Redis,
    notifier: ChatNotifier,
    prefix: string,
    private readonly controls: IncidentControls,
    private readonly labels: Readonly<Record<string, string>>,
  ) {
    super(redis, notifier, prefix);
  }

  override async say(incident: string, message: ChatMessage, options: SayOptions = {}): Promise<ChatRef | undefined> {
    const hasButtons = message.blocks?.some((b) => b.type === 'actions') ?? false;
    const opens = !hasButtons && !(await this.get(incident)) && !(options.step && (await this.hasSaid(incident, options.step)));
    const what = `*${this.labels.alertname ?? 'alert'}*`;
    return super.say(incident, opens ? await this.controls.alertMessage(incident, this.labels, message, what) : message, options);
  }
}
