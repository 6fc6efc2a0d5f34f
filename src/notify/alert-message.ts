import type { Alert } from '../server/alertmanager-payload.js';
import type { ChatMessage } from './notifier.js';
import { escapeMrkdwn, safeLink } from './mrkdwn.js';

export { escapeMrkdwn } from './mrkdwn.js';

const HIDDEN_LABELS = new Set(['alertname', 'severity']);
const MAX_LABELS = 12;
const MAX_TEXT = 2_800; // Slack section text limit is 3000

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The Block Kit message for one alert (firing or resolved), with plain fallback text. */
export function alertMessage(alert: Alert, externalURL?: string): ChatMessage {
  const name = alert.labels.alertname ?? 'alert';
  const severity = alert.labels.severity;
  const firing = alert.status === 'firing';
  const icon = firing ? (severity === 'critical' ? ':red_circle:' : ':large_orange_circle:') : ':large_green_circle:';
  const summary = alert.annotations.summary ?? alert.annotations.description ?? '';
  const headline = `${firing ? 'FIRING' : 'RESOLVED'}: ${name}${severity ? ` (${severity})` : ''}`;
  const labels = Object.entries(alert.labels)
    .filter(([k]) => !HIDDEN_LABELS.has(k))
    .slice(0, MAX_LABELS)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}\`=${escapeMrkdwn(v)}`)
    .join('  ');
  // Sender URLs: only clean http(s) ones become links; anything else is dropped.
  const links = [safeLink(alert.generatorURL, 'source'), safeLink(externalURL, 'alertmanager')].filter(Boolean).join(' · ');
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(`${icon} *${escapeMrkdwn(headline)}*${summary ? `\n${escapeMrkdwn(summary)}` : ''}`) } },
  ];
  if (alert.annotations.description && alert.annotations.description !== summary) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(alert.annotations.description)) } });
  }
  const context = [labels, `since ${alert.startsAt}${!firing && alert.endsAt ? `, resolved ${alert.endsAt}` : ''}`, links].filter(Boolean);
  blocks.push({ type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: clip(t, 1900) })) });
  // The fallback text shows in notifications: escaped like the blocks.
  return { text: clip(escapeMrkdwn(`${headline}${summary ? ` — ${summary}` : ''}`)), blocks };
}
