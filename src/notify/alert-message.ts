import type { Alert } from '../server/alertmanager-payload.js';
import type { ChatMessage } from './notifier.js';
import { alertContextLines } from './alert-context.js';
import { escapeMrkdwn } from './slack-text.js';

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
    // Grafana's private labels (__alert_rule_uid__ ...) are Grafana's own bookkeeping, as in its templates.
    .filter(([k]) => !HIDDEN_LABELS.has(k) && !(k.startsWith('__') && k.endsWith('__')))
    .slice(0, MAX_LABELS)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}\`=${escapeMrkdwn(v)}`)
    .join('  ');
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(`${icon} *${escapeMrkdwn(headline)}*${summary ? `\n${escapeMrkdwn(summary)}` : ''}`) } },
  ];
  if (alert.annotations.description && alert.annotations.description !== summary) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(alert.annotations.description)) } });
  }
  // Runbook, source, dashboard, panel, silence links and the values (alert-context.ts).
  const since = `since ${escapeMrkdwn(alert.startsAt)}${!firing && alert.endsAt ? `, resolved ${escapeMrkdwn(alert.endsAt)}` : ''}`;
  const context = [labels, since, ...alertContextLines(alert, externalURL)].filter(Boolean);
  blocks.push({ type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: clip(t, 1900) })) });
  // The fallback text shows in notifications: escaped like the blocks.
  return { text: clip(escapeMrkdwn(`${headline}${summary ? ` — ${summary}` : ''}`)), blocks };
}
