import { formatDuration } from '../../src/config/duration.js';
import type { ChatMessage } from '../../src/notify/notifier.js';
import type { Suppression } from '../../src/alertmanager/suppression.js';
import type { VolumeNames } from './messages.js';

/** Thread texts of the silence check and the approval wait (messages.ts holds the resize's own). */

const who = (v: VolumeNames) => `volume \`${v.name}\` (${v.id})`;

export function silencedMessage(v: VolumeNames, s: Extract<Suppression, { kind: 'suppressed' }>): ChatMessage {
  const why = [
    s.silencedBy.length ? `silenced by ${s.silencedBy.map((id) => `\`${id}\``).join(', ')}` : '',
    s.inhibitedBy.length ? `inhibited by alert ${s.inhibitedBy.map((id) => `\`${id}\``).join(', ')}` : '',
    s.mutedBy.length ? `muted by time interval ${s.mutedBy.map((id) => `\`${id}\``).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    text: `:mute: Not growing ${who(v)}: Alertmanager says this alert is suppressed (${why || 'suppressed'}). Nothing was changed; the next alert after the silence ends is acted on.`,
  };
}

export function silenceCheckFailedMessage(v: VolumeNames, code: string): ChatMessage {
  return {
    text: `:warning: Could not ask Alertmanager whether the alert for ${who(v)} is silenced (${code}); acting anyway (\`alertmanager.onUnreachable: act\`).`,
  };
}

export function approvalRequestMessage(v: VolumeNames, fromGb: number, toGb: number, policy: string, timeoutMs: number): ChatMessage {
  return {
    text: `:raised_hand: Approval needed to grow ${who(v)} from *${fromGb} GB* to *${toGb} GB* (approval: ${policy}). Waiting up to ${formatDuration(timeoutMs)}; nothing is changed until an approver clicks Approve.`,
  };
}

export function approvalCancelledMessage(summary: string): ChatMessage {
  return { text: `:large_green_circle: The alert resolved while waiting for approval: ${summary} was cancelled.` };
}

export function approvalNeedsSlackMessage(v: VolumeNames, toGb: number): ChatMessage {
  return {
    text: `:no_entry: Growing ${who(v)} to ${toGb} GB needs an approval, but Slack interactivity is off (no SLACK_SIGNING_SECRET or SLACK_APP_TOKEN). Nothing was changed.`,
  };
}
