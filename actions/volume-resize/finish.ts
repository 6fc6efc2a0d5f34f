import { AlertworksError, PermanentError } from '../../src/errors.js';
import type { ActionResult } from '../../src/action.js';
import type { ResizeDeps, VolumeJob } from './context.js';
import * as text from './messages.js';
import { volumeResizeDuration, volumeResizeTotal, volumeSizeGb } from './metrics.js';
import type { ResizeIntent } from './state.js';

/**
 * Everything after the intent is stored: the resize call (only if the API shows it was not
 * made yet), waiting for Hetzner's action, then the filesystem and Terraform steps. Each step
 * is marked done in Redis and each message has a thread step, so a retried job repeats nothing.
 * The intent is removed only at the end.
 */
export async function finishResize(d: ResizeDeps, v: VolumeJob, intent: ResizeIntent): Promise<ActionResult> {
  const names = { id: v.id, name: v.name };
  // Said here, not when planning, so a job retried after a failed post still says it first.
  await d.threads.say(v.incident, text.planMessage(names, intent.fromGb, intent.toGb, v.policy), { step: `plan:${intent.issuedAt}` });
  if (intent.actionId === undefined && !intent.sizeReached) {
    let action;
    try {
      action = await d.hetzner.resizeVolume(v.id, intent.toGb);
    } catch (err) {
      if (err instanceof AlertworksError && !err.retryable) {
        // Hetzner refused it: nothing changed, so the cooldown and budget slot are given back.
        await d.state.clearIntent(v.id);
        await d.state.clearCooldown(v.id);
        await d.state.releaseBudget(intent.budgetMember);
        volumeResizeTotal.inc({ volume: v.label, outcome: 'failed' });
        await d.threads.say(v.incident, text.resizeFailedMessage(names, intent.toGb, `${err.code}: ${err.message}${detailText(err)}`, true), {
          step: `failed:${intent.issuedAt}`,
        });
      }
      throw err;
    }
    intent.actionId = action.id;
    await d.state.saveIntent(intent);
  }

  const action =
    intent.actionId === undefined
      ? undefined
      : await d.hetzner.waitForAction(intent.actionId, { timeoutMs: d.settings.actionTimeout, intervalMs: d.settings.actionPollInterval });
  if (action?.status === 'error') {
    await d.state.clearIntent(v.id);
    if (await d.state.markDone(v.id, intent.issuedAt, 'failed')) volumeResizeTotal.inc({ volume: v.label, outcome: 'failed' });
    const reason = `action ${action.id} ended with ${action.error?.code ?? 'error'}: ${action.error?.message ?? 'no message'}`;
    await d.threads.say(v.incident, text.resizeFailedMessage(names, intent.toGb, reason, false), { step: `failed:${intent.issuedAt}` });
    throw new PermanentError(`resize of volume ${v.id} failed: ${reason}`, 'hetzner_action_failed');
  }

  const volume = await d.hetzner.getVolume(v.id);
  volumeSizeGb.set({ volume: v.label }, volume.size);
  await d.state.recordStatus(v.id, { sizeGb: volume.size, name: volume.name, lastResize: { at: intent.issuedAt, fromGb: intent.fromGb, toGb: volume.size } });
  const seconds = (Date.parse(action?.finished ?? '') || Date.now()) / 1000 - intent.issuedAt / 1000;
  if (await d.state.markDone(v.id, intent.issuedAt, 'resized')) {
    volumeResizeTotal.inc({ volume: v.label, outcome: 'resized' });
    volumeResizeDuration.observe(Math.max(0, seconds));
  }
  await d.threads.say(v.incident, text.resizedMessage(names, intent.fromGb, volume.size, action?.id, Math.max(0, seconds)), {
    step: `resized:${intent.issuedAt}`,
  });

  await growFilesystem(d, v, intent, volume.size);
  const pr = await fixTerraform(d, v, intent, volume.size);
  await d.state.clearIntent(v.id);
  const thread = await d.threads.get(v.incident);
  // pr and slackThread are links for the audit trail (src/audit/job-audit.ts).
  return {
    outcome: 'resized',
    volume: v.id,
    fromGb: intent.fromGb,
    toGb: volume.size,
    actionId: action?.id,
    pr,
    slackThread: thread && `${thread.channel}/${thread.ts}`,
  };
}

async function growFilesystem(d: ResizeDeps, v: VolumeJob, intent: ResizeIntent, sizeGb: number): Promise<void> {
  const step = `fs:${intent.issuedAt}`;
  const names = { id: v.id, name: v.name };
  const command = text.filesystemCommand(v.id, intent.linuxDevice, intent.format);
  const wf = v.policy.workflow;
  if (!wf) {
    await d.threads.say(v.incident, text.filesystemManualMessage(names, command, 'No filesystem workflow is configured (`filesystem.workflow`).'), { step });
    return;
  }
  if (!d.github) {
    await d.threads.say(v.incident, text.filesystemManualMessage(names, command, 'A filesystem workflow is configured but GITHUB_TOKEN is not set.'), { step });
    return;
  }
  if (!(await d.state.isDone(v.id, intent.issuedAt, 'fs'))) {
    try {
      await d.github.dispatchWorkflow({
        repo: wf.repo,
        workflow: wf.workflow,
        ref: wf.ref,
        inputs: { volume_id: String(v.id), size_gb: String(sizeGb), linux_device: intent.linuxDevice },
      });
    } catch (err) {
      if (err instanceof AlertworksError && err.retryable) throw err;
      await d.state.markDone(v.id, intent.issuedAt, 'fs');
      await d.threads.say(v.incident, text.stepFailedMessage('Dispatching the filesystem workflow', `${reason(err)}. Run \`${command}\` on the server`), {
        step,
      });
      return;
    }
    await d.state.markDone(v.id, intent.issuedAt, 'fs');
  }
  await d.threads.say(v.incident, text.filesystemDispatchedMessage(names, wf.repo, wf.workflow, wf.ref, sizeGb), { step });
}

/** Opens or updates the drift PR; its URL when there is one. */
async function fixTerraform(d: ResizeDeps, v: VolumeJob, intent: ResizeIntent, sizeGb: number): Promise<string | undefined> {
  const tf = v.policy.terraform;
  if (!tf) return undefined;
  const step = `pr:${intent.issuedAt}`;
  if (await d.threads.hasSaid(v.incident, step)) return undefined;
  if (!d.github) {
    await d.threads.say(
      v.incident,
      text.stepFailedMessage(
        'The Terraform drift PR',
        `GITHUB_TOKEN is not set; set \`size = ${sizeGb}\` in \`${tf.resource}\` (${tf.repo}/${tf.path}) by hand`,
      ),
      { step },
    );
    return undefined;
  }
  try {
    const result = await d.github.upsertSizePullRequest({
      repo: tf.repo,
      path: tf.path,
      resource: tf.resource,
      base: tf.base,
      volumeId: v.id,
      volumeName: v.name,
      fromGb: intent.fromGb,
      toGb: sizeGb,
    });
    await d.threads.say(v.incident, text.terraformMessage(result), { step });
    return result.kind === 'unchanged' ? undefined : result.url;
  } catch (err) {
    if (err instanceof AlertworksError && err.retryable) throw err;
    await d.threads.say(v.incident, text.stepFailedMessage('The Terraform drift PR', reason(err)), { step });
    return undefined;
  }
}

function reason(err: unknown): string {
  return err instanceof AlertworksError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
}

/** Hetzner's `details.fields[].messages`, e.g. "size: must be greater than the current size". */
function detailText(err: AlertworksError): string {
  const details = (err.cause as { details?: { fields?: { name?: string; messages?: string[] }[] } } | undefined)?.details;
  const fields = details?.fields?.map((f) => `${f.name}: ${(f.messages ?? []).join(', ')}`) ?? [];
  return fields.length ? ` (${fields.join('; ')})` : '';
}
