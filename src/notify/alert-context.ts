import type { Alert } from '../server/alertmanager-payload.js';
import type { ChatMessage } from './notifier.js';
import type { IncidentThreads } from './threads.js';
import { escapeMrkdwn, slackLink } from './slack-text.js';

const MAX_SECTION = 2_900; // Slack section text limit is 3000
const MAX_CONTEXT = 1_900; // context element text limit is 2000
const MAX_VALUES = 12;

/**
 * What an operator needs next to any message about an alert: its runbook, where it comes from
 * (rule, dashboard, panel, screenshot), how to silence it, and the values that fired it — as
 * links, never as raw JSON. Only clean http(s) URLs are linked (slack-text.ts).
 */
export function alertContextLines(alert: Pick<Alert, 'annotations' | 'generatorURL' | 'grafana'>, externalURL?: string): string[] {
  const g = alert.grafana;
  const links = [
    slackLink(alert.annotations.runbook_url, 'Runbook'),
    slackLink(alert.generatorURL, 'Source'),
    slackLink(g?.dashboardURL, 'Dashboard'),
    slackLink(g?.panelURL, 'Panel'),
    slackLink(g?.imageURL, 'Image'),
    slackLink(g?.silenceURL, 'Silence'),
    slackLink(externalURL, g ? 'Grafana' : 'Alertmanager'),
  ].filter((l): l is string => l !== undefined);
  const lines = links.length > 0 ? [links.join(' · ')] : [];
  const values = Object.entries(g?.values ?? {}).slice(0, MAX_VALUES);
  if (values.length > 0) {
    lines.push(`Values: ${values.map(([k, v]) => `${escapeMrkdwn(k)}=${formatValue(v)}`).join(', ')}`);
  } else if (g?.valueString) {
    lines.push(`Values: ${escapeMrkdwn(clip(g.valueString, 400))}`);
  }
  return lines;
}

/** A Block Kit context block with the alert's links and values; undefined when it has none. */
export function alertContextBlock(alert: Pick<Alert, 'annotations' | 'generatorURL' | 'grafana'>, externalURL?: string): Record<string, unknown> | undefined {
  const lines = alertContextLines(alert, externalURL);
  if (lines.length === 0) return undefined;
  return { type: 'context', elements: lines.map((text) => ({ type: 'mrkdwn', text: clip(text, MAX_CONTEXT) })) };
}

/** The message with the alert's context block added (a plain-text message becomes a section plus context). */
export function withAlertContext(message: ChatMessage, alert: Pick<Alert, 'annotations' | 'generatorURL' | 'grafana'>, externalURL?: string): ChatMessage {
  const context = alertContextBlock(alert, externalURL);
  if (!context) return message;
  const blocks = message.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: clip(message.text, MAX_SECTION) } }];
  return { ...message, blocks: [...blocks, context] };
}

/**
 * The incident threads of one job, with every message it says carrying the alert's context.
 * Everything else is the shared `threads` object itself (same Redis state, same thread refs);
 * its methods run bound to it.
 */
export function threadsWithAlertContext(
  threads: IncidentThreads,
  alert: Pick<Alert, 'annotations' | 'generatorURL' | 'grafana'>,
  externalURL?: string,
): IncidentThreads {
  const say: IncidentThreads['say'] = (incident, message, options) =>
    threads.say(
      incident,
      withAlertContext(message, alert, externalURL),
      options?.updateRoot ? { ...options, updateRoot: withAlertContext(options.updateRoot, alert, externalURL) } : options,
    );
  return new Proxy(threads, {
    get(target, prop) {
      if (prop === 'say') return say;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
