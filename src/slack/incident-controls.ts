import type { RedisClient as Redis } from '../redis.js';
import { formatDuration } from '../config/duration.js';
import type { AppConfig } from '../config/schema.js';
import type { ChatMessage } from '../notify/notifier.js';
import { usableLabels } from '../alertmanager/matchers.js';
import { ButtonStore, newButtonId, withButtons, type ButtonSpec } from './button-store.js';
import { interactivityMode } from './settings.js';

/** Alert threads live up to 30 days; their buttons as long. */
const THREAD_BUTTON_TTL_MS = 30 * 86_400_000;

/**
 * The buttons alertworks puts on its messages: Silence (one per configured duration, when an
 * Alertmanager is configured) and Acknowledge on alert and check threads; Approve / Reject on a
 * waiting action. Each button's record is stored before the message is posted.
 */
export class IncidentControls {
  private constructor(
    private readonly buttons: ButtonStore,
    private readonly silenceDurations: readonly number[],
    private readonly canSilence: boolean,
  ) {}

  /** undefined when interactivity is off: messages then carry no buttons. */
  static fromConfig(config: AppConfig, redis: Redis): IncidentControls | undefined {
    if (interactivityMode(config.slack) === 'off') return undefined;
    return new IncidentControls(new ButtonStore(redis, config.redis.prefix), config.slack.interactivity.silenceDurations, Boolean(config.alertmanager.url));
  }

  /** The first message of an alert's thread, with Silence and Acknowledge. */
  async alertMessage(incident: string, labels: Readonly<Record<string, string>>, message: ChatMessage, what: string): Promise<ChatMessage> {
    const specs: ButtonSpec[] = this.canSilence ? await this.silenceButtons(incident, labels) : [];
    return this.withAcknowledge(incident, message, specs, what);
  }

  /** A check's DOWN message, with Acknowledge (checks are not Alertmanager alerts: no Silence). */
  async checkMessage(incident: string, message: ChatMessage, what: string): Promise<ChatMessage> {
    return this.withAcknowledge(incident, message, [], what);
  }

  /** The Acknowledge record keeps the message as posted (its other buttons too), to mark it later. */
  private async withAcknowledge(incident: string, message: ChatMessage, specs: ButtonSpec[], what: string): Promise<ChatMessage> {
    const id = newButtonId();
    const posted = withButtons(message, [...specs, { text: 'Acknowledge', id }]);
    await this.buttons.store(id, { kind: 'acknowledge', incident, root: posted, what }, THREAD_BUTTON_TTL_MS);
    return posted;
  }

  /** An approval request, with Approve / Reject (and Silence for the alert behind it). */
  async approvalMessage(
    incident: string,
    approvalId: string,
    ttlMs: number,
    labels: Readonly<Record<string, string>>,
    message: ChatMessage,
  ): Promise<ChatMessage> {
    const approve = await this.buttons.issue({ kind: 'approve', incident, approvalId }, ttlMs);
    const reject = await this.buttons.issue({ kind: 'reject', incident, approvalId }, ttlMs);
    const specs: ButtonSpec[] = [
      { text: 'Approve', id: approve, style: 'primary' },
      { text: 'Reject', id: reject, style: 'danger' },
    ];
    if (this.canSilence) specs.push(...(await this.silenceButtons(incident, labels)));
    return withButtons(message, specs);
  }

  private async silenceButtons(incident: string, labels: Readonly<Record<string, string>>): Promise<ButtonSpec[]> {
    const specs: ButtonSpec[] = [];
    for (const durationMs of this.silenceDurations) {
      specs.push({
        text: `Silence ${formatDuration(durationMs)}`,
        id: await this.buttons.issue({ kind: 'silence', incident, labels: Object.fromEntries(usableLabels(labels)), durationMs }, THREAD_BUTTON_TTL_MS),
      });
    }
    return specs;
  }
}
