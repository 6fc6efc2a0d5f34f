import type { ChatMessage } from '../src/notify/notifier.js';
import { formatDuration } from '../src/config/duration.js';
import { scrub } from '../src/observability/redact.js';
import type { CheckBase, Phase } from './check-type.js';
import type { CheckState } from './check-state.js';
import { checkPhases } from './registry.js';

export function formatPhases(phases: Partial<Record<Phase, number>> | undefined, totalSeconds?: number): string {
  const parts = checkPhases.filter((p) => phases?.[p] !== undefined).map((p) => `${p} ${formatMs(phases![p]! * 1000)}`);
  if (totalSeconds !== undefined) parts.push(`total ${formatMs(totalSeconds * 1000)}`);
  return parts.join(', ') || 'none measured';
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

const iso = (ms: number | undefined) => (ms === undefined ? '?' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

function text(t: string): ChatMessage {
  const safe = scrub(t);
  return { text: safe, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: safe } }] };
}

export function downMessage(check: CheckBase, s: CheckState): ChatMessage {
  return text(
    [
      `:red_circle: *${check.name}* is DOWN (${check.kind ?? 'uptime'} check, ${s.consecutiveFailures} consecutive failures, failing since ${iso(s.downSince)})`,
      `Reason: \`${s.lastReason ?? 'other'}\`${s.lastStatusCode ? ` (HTTP ${s.lastStatusCode})` : ''}`,
      `Last error: ${s.lastError ?? 'none'}`,
      `Timings: ${formatPhases(s.lastPhases, s.lastDurationSeconds)}`,
    ].join('\n'),
  );
}

export function upMessage(check: CheckBase, s: CheckState): ChatMessage {
  const downFor = s.since !== undefined && s.downSince !== undefined ? formatDuration(s.since - s.downSince) : 'unknown time';
  return text(
    `:large_green_circle: *${check.name}* is UP again after ${downFor} down (since ${iso(s.downSince)}). Timings: ${formatPhases(s.lastPhases, s.lastDurationSeconds)}`,
  );
}

export function reminderMessage(check: CheckBase, s: CheckState, now: number): ChatMessage {
  return text(
    `:warning: *${check.name}* is still DOWN after ${formatDuration(now - (s.downSince ?? now))} — reason \`${s.lastReason ?? 'other'}\`, ${s.consecutiveFailures} failures in a row. Last error: ${s.lastError ?? 'none'}`,
  );
}

export function maintenanceMessage(scope: string, entering: boolean, reason: string, endMs?: number): ChatMessage {
  return entering
    ? text(`:construction: ${scope} entered maintenance (${reason}) until ${iso(endMs)}: checks still run; notifications are held.`)
    : text(`:white_check_mark: ${scope} left maintenance (${reason}); notifications resume, checks still down are reported now.`);
}

export function connectivityLostMessage(canary: string, failing: number, total: number): ChatMessage {
  return text(
    `:satellite_antenna: The prober seems to have lost connectivity: ${failing} of ${total} checks are failing, including the canary *${canary}*. Per-check alerts are held until it is back.`,
  );
}

export function connectivityBackMessage(canary: string, lostSince: number, now: number): ChatMessage {
  return text(
    `:satellite_antenna: Connectivity is back after ${formatDuration(now - lostSince)} (canary *${canary}* or most checks pass again); checks still down are reported individually.`,
  );
}
