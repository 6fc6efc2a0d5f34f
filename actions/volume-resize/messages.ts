import type { ChatMessage } from '../../src/notify/notifier.js';
import { formatDuration } from '../../src/config/duration.js';
import { escapeMrkdwn } from '../../src/notify/slack-text.js';
import type { VolumePolicy } from './settings.js';

/**
 * The Slack texts of one volume incident thread. Plain mrkdwn text: each step is one reply,
 * so the thread reads as the audit log of what alertworks did and why.
 */

export interface VolumeNames {
  id: number;
  name: string;
}

const who = (v: VolumeNames) => `volume \`${v.name}\` (${v.id})`;
const msg = (text: string): ChatMessage => ({ text });

export function planMessage(v: VolumeNames, fromGb: number, toGb: number, policy: VolumePolicy, dryRun?: string): ChatMessage {
  const head = dryRun ? `:test_tube: *Dry run* (${dryRun}): would grow ${who(v)}` : `:arrow_up: Growing ${who(v)}`;
  return msg(
    `${head} from *${fromGb} GB* to *${toGb} GB* (cap ${policy.maxSizeGb} GB, step ${policy.stepPercent}% / at least ${policy.minStepGb} GB, cooldown ${formatDuration(policy.cooldownMs)}).${dryRun ? ' Nothing was changed.' : ''}`,
  );
}

export function dryRunUnreadableMessage(v: { id: number; name?: string }, reason: string): ChatMessage {
  return msg(
    `:test_tube: *Dry run* (no HCLOUD_TOKEN): volume ${v.name ? `\`${v.name}\` ` : ''}(${v.id}) is allowlisted but its size cannot be read: ${reason}. Nothing was changed.`,
  );
}

export function dryRunUnidentifiedMessage(what: string, reason: string): ChatMessage {
  return msg(
    `:test_tube: *Dry run* (no HCLOUD_TOKEN): cannot tell whether ${what} is in the allowlist without reading it from the API: ${reason}. Nothing was changed.`,
  );
}

export function resizedMessage(v: VolumeNames, fromGb: number, toGb: number, actionId: number | undefined, seconds: number): ChatMessage {
  return msg(
    `:white_check_mark: Hetzner resized ${who(v)} from ${fromGb} GB to *${toGb} GB*${actionId ? ` (action ${actionId})` : ''} in ${Math.round(seconds)}s.`,
  );
}

/** `cooldownLifted`: Hetzner refused the call, nothing changed, so a later alert may try again. */
export function resizeFailedMessage(v: VolumeNames, toGb: number, reason: string, cooldownLifted: boolean): ChatMessage {
  return msg(
    `:x: Resizing ${who(v)} to ${toGb} GB failed and will not be retried: ${reason}. Nothing else was done; the cooldown ${cooldownLifted ? 'was lifted' : 'stays'}.`,
  );
}

/** The device path Hetzner gives every volume; anything else is not used in a command. */
const HC_DEVICE = /^\/dev\/disk\/by-id\/scsi-0HC_Volume_\d{1,12}$/;

/**
 * The command that grows the filesystem, built only from trusted data: the volume's id and
 * Hetzner's device path and format, never from alert labels (a `mountpoint` label is sender
 * text and would be pasted into a command people run with sudo). xfs grows through its mount
 * point, which findmnt reads from the device on the server itself.
 */
export function filesystemCommand(volumeId: number, linuxDevice: string, format?: string | null): string {
  const device = HC_DEVICE.test(linuxDevice) ? linuxDevice : `/dev/disk/by-id/scsi-0HC_Volume_${Math.trunc(volumeId)}`;
  if (format === 'xfs') return `sudo xfs_growfs "$(findmnt -n -o TARGET --source ${device})"`;
  return `sudo resize2fs ${device}`;
}

export function filesystemManualMessage(v: VolumeNames, command: string, why: string): ChatMessage {
  return msg(`:wrench: ${why} Grow the filesystem on the server yourself:\n\`\`\`${command}\`\`\``);
}

export function filesystemDispatchedMessage(v: VolumeNames, repo: string, workflow: string, ref: string, toGb: number): ChatMessage {
  return msg(`:gear: Filesystem growth for ${who(v)} dispatched: workflow \`${workflow}\` in \`${repo}\` on \`${ref}\` (size_gb=${toGb}).`);
}

export function terraformMessage(result: { kind: 'opened' | 'updated'; url: string; number: number } | { kind: 'unchanged'; reason: string }): ChatMessage {
  if (result.kind === 'unchanged') return msg(`:memo: Terraform already matches: ${result.reason}.`);
  return msg(`:memo: Terraform drift: ${result.kind === 'opened' ? 'opened' : 'updated'} pull request <${result.url}|#${result.number}> setting the new size.`);
}

export function stepFailedMessage(step: string, reason: string): ChatMessage {
  return msg(`:warning: ${step} failed: ${reason}. The resize stands.`);
}

export function capMessage(v: VolumeNames, sizeGb: number, capGb: number, cooldownMs: number): ChatMessage {
  return msg(
    `:rotating_light: ${who(v)} is full and already at its cap (${sizeGb} GB, cap ${capGb} GB): alertworks will not grow it. A person must act (clean up, or raise \`maxSizeGb\`). Next reminder at the earliest in ${formatDuration(cooldownMs)}.`,
  );
}

export function budgetMessage(v: VolumeNames, fromGb: number, toGb: number, budget: number, freeInMs: number): ChatMessage {
  return msg(
    `:no_entry: Not growing ${who(v)} (${fromGb} → ${toGb} GB): the budget of ${budget} resizes per hour across all volumes is used up (next slot in ${formatDuration(freeInMs)}). Check why so many volumes grow at once.`,
  );
}

/** `what` comes from describeRef (already stripped of markup); the alert name is sender text. */
export function refusedMessage(what: string, alertname: string, windowMs: number): ChatMessage {
  return msg(
    `:no_entry_sign: ${escapeMrkdwn(alertname.slice(0, 128))}: ${what} is not in the \`volumeResize.volumes\` allowlist, so alertworks did not touch it. ` +
      `Further refused alerts in the next ${formatDuration(windowMs)} are only counted (\`alertworks_volume_resize_total{outcome="refused"}\`), not posted.`,
  );
}

export function resolvedMessage(v: VolumeNames): ChatMessage {
  return msg(`:large_green_circle: Resolved: usage of ${who(v)} is back below the alert threshold.`);
}
