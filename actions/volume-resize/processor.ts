import { AlertworksError, RetryLaterError } from '../../src/errors.js';
import { labelValue } from '../../src/observability/metrics.js';
import type { ActionResult, AlertJob } from '../../src/action.js';
import type { ResizeDeps, VolumeJob } from './context.js';
import { finishResize } from './finish.js';
import { describeRef, findAllowlisted, volumeRefFromLabels } from './identify.js';
import * as text from './messages.js';
import { volumeResizeTotal, volumeSizeGb } from './metrics.js';
import { resizePlan } from './plan.js';
import { recallBudgetHistory, recallVolumeHistory } from './history.js';
import { volumePolicy } from './settings.js';
import type { ResizeIntent } from './state.js';
import { isUnreadable } from '../../src/state/stored-record.js';

/** A wait for a busy volume (another job holds its lock) or one that is not `available` yet. */
const BUSY_DELAY_MS = 5_000;
const NOT_READY_DELAY_MS = 15_000;
/** Our clock and Hetzner's may differ: an action started this long before our intent is still ours. */
const CLOCK_SKEW_MS = 60_000;
/** Refused references are reported once per this window, however many arrive (they are counted). */
const REFUSED_REPORT_WINDOW_MS = 3_600_000;
/** The metric label of every reference outside the allowlist: senders choose those, so they share one series. */
const OTHER = 'other';

/** One alert about one volume: refuse, report resolution, or plan and (maybe) resize. */
export async function processVolumeAlert(d: ResizeDeps, job: AlertJob): Promise<ActionResult> {
  const { alert, dedupKey } = job.data;
  const ref = volumeRefFromLabels(alert.labels);
  let found;
  try {
    found = ref ? await findAllowlisted(ref, d.settings.volumes, d.lookup) : undefined;
  } catch (err) {
    // Matching a name to an id needs the API; without a token that is a dry run that says so.
    if (d.hetzner.hasToken || !(err instanceof AlertworksError) || err.retryable || alert.status === 'resolved') throw err;
    volumeResizeTotal.inc({ volume: OTHER, outcome: 'dry_run' });
    await d.threads.say(`volume-unidentified:${alert.fingerprint}`, text.dryRunUnidentifiedMessage(describeRef(ref), err.code), { step: `plan:${dedupKey}` });
    return { outcome: 'dry_run', volume: describeRef(ref) };
  }

  if (!found) {
    if (alert.status === 'resolved') return { outcome: 'ignored', reason: 'not allowlisted' };
    const what = describeRef(ref);
    volumeResizeTotal.inc({ volume: OTHER, outcome: 'refused' });
    d.logger.warn({ volume: what, fingerprint: alert.fingerprint }, 'refused: volume not allowlisted (volumeResize.volumes)');
    // One thread per window, not one per refused alert: a flood of made-up references would flood #ops.
    if (await d.state.firstReport('refused', REFUSED_REPORT_WINDOW_MS, dedupKey)) {
      await d.threads.say(`volume-refused:${alert.fingerprint}`, text.refusedMessage(what, alert.labels.alertname ?? 'alert', REFUSED_REPORT_WINDOW_MS), {
        step: `refused:${dedupKey}`,
      });
    }
    return { outcome: 'refused', volume: what };
  }

  const v: VolumeJob = {
    id: found.id,
    name: found.entry.name ?? String(found.id),
    label: labelValue(found.entry.name ?? String(found.id)),
    policy: volumePolicy(d.settings, found.entry),
    incident: `volume:${found.id}`,
    jobId: job.id ?? dedupKey,
    dedupKey,
    labels: alert.labels,
    data: job.data,
  };
  // Inside the cooldown with no resize unfinished there is nothing to do: no need to queue up
  // for the lock. (With an intent stored, the lock path finishes that resize first.)
  if (alert.status === 'firing') {
    const cooldown = await d.state.cooldownLeft(v.id);
    if (cooldown > 0 && !(await readIntent(d, v))) return inCooldown(d, v, cooldown);
  }
  // One job per volume at a time, across replicas; the lock outlives the longest action wait.
  const lockTtl = d.settings.actionTimeout + 120_000;
  if (!(await d.state.acquireLock(v.id, v.jobId, lockTtl))) {
    throw new RetryLaterError(`volume ${v.id} is being handled by another job`, 'volume_busy', BUSY_DELAY_MS);
  }
  try {
    return alert.status === 'resolved' ? await resolved(d, v, alert.startsAt) : await firing(d, v);
  } finally {
    await d.state.releaseLock(v.id, v.jobId);
  }
}

async function resolved(d: ResizeDeps, v: VolumeJob, startsAt: string): Promise<ActionResult> {
  await d.guards?.onResolved(v, d.threads);
  if (!(await d.threads.get(v.incident))) return { outcome: 'resolved', volume: v.id };
  await d.threads.say(v.incident, text.resolvedMessage({ id: v.id, name: v.name }), { step: `resolved:${startsAt}` });
  await d.threads.close(v.incident);
  return { outcome: 'resolved', volume: v.id };
}

/**
 * The stored intent of this volume. One that cannot be read counts as lost, as after a Redis
 * loss: the cooldown and Hetzner's history of resizes decide, and the next intent replaces it.
 */
async function readIntent(d: ResizeDeps, v: VolumeJob): Promise<ResizeIntent | undefined> {
  const stored = await d.state.getIntent(v.id);
  if (!isUnreadable(stored)) return stored;
  d.logger.warn({ volume: v.id, problem: stored.problem }, 'stored resize intent unreadable; treated as lost');
  return undefined;
}

async function firing(d: ResizeDeps, v: VolumeJob): Promise<ActionResult> {
  // A stored intent means a resize was decided and maybe issued: finish it, never plan anew.
  const stored = await readIntent(d, v);
  const intent = stored && (await reconcile(d, v, stored));
  if (intent) return finishResize(d, { ...v, name: intent.volumeName }, intent);

  const cooldown = await d.state.cooldownLeft(v.id);
  if (cooldown > 0) return inCooldown(d, v, cooldown);
  // A silenced alert changes nothing and costs no Hetzner call, not even a read.
  const held = await d.guards?.beforeAction(v, d.threads);
  if (held) return held;
  // No local record (Redis lost it, or first sight): Hetzner's record of resizes decides.
  const recalled = await recallVolumeHistory(d, v);
  if (recalled > 0) return inCooldown(d, v, recalled);

  // Named by where it was decided, so an operator knows what to change (DESIGN.md precedence).
  const dryRun = d.globalDryRun
    ? (d.dryRunSource ?? 'DRY_RUN')
    : v.policy.dryRun
      ? `dryRun: true for volume ${v.name} in volumeResize`
      : !d.hetzner.hasToken
        ? 'no HCLOUD_TOKEN'
        : undefined;
  let volume;
  try {
    volume = await d.hetzner.getVolume(v.id);
  } catch (err) {
    if (dryRun === 'no HCLOUD_TOKEN' && err instanceof AlertworksError && !err.retryable) {
      volumeResizeTotal.inc({ volume: v.label, outcome: 'dry_run' });
      await d.threads.say(v.incident, text.dryRunUnreadableMessage({ id: v.id, name: v.name }, err.code), { step: `plan:${v.dedupKey}` });
      return { outcome: 'dry_run', volume: v.id };
    }
    throw err;
  }
  volumeSizeGb.set({ volume: v.label }, volume.size);
  await d.state.recordStatus(v.id, { sizeGb: volume.size, name: volume.name });
  // Messages name the volume as Hetzner does; the metric label stays the configured one.
  const names = { id: v.id, name: volume.name };
  v = { ...v, name: volume.name };
  if (volume.status !== 'available') {
    throw new RetryLaterError(`volume ${v.id} is ${volume.status}, not available`, 'volume_not_ready', NOT_READY_DELAY_MS);
  }

  const plan = resizePlan(volume.size, v.policy);
  d.logger.debug({ volume: v.id, sizeGb: volume.size, plan, dryRun }, 'resize plan computed');
  if (plan.kind === 'at_cap') {
    volumeResizeTotal.inc({ volume: v.label, outcome: 'limit_reached' });
    d.logger.info({ volume: v.id, sizeGb: plan.fromGb, capGb: plan.capGb }, `volume at its cap (${plan.fromGb} GB, cap ${plan.capGb} GB): not growing`);
    if (await d.state.firstCapWarning(v.id, v.policy.cooldownMs)) {
      await d.threads.say(v.incident, text.capMessage(names, plan.fromGb, plan.capGb, v.policy.cooldownMs), { step: `cap:${v.dedupKey}` });
    }
    return { outcome: 'limit_reached', volume: v.id, sizeGb: plan.fromGb, capGb: plan.capGb };
  }
  if (dryRun) {
    volumeResizeTotal.inc({ volume: v.label, outcome: 'dry_run' });
    d.logger.info(
      { volume: v.id, fromGb: plan.fromGb, toGb: plan.toGb, dryRunSource: dryRun },
      `dry run (${dryRun}): would grow ${plan.fromGb}→${plan.toGb} GB, nothing changed`,
    );
    await d.threads.say(v.incident, text.planMessage(names, plan.fromGb, plan.toGb, v.policy, dryRun), { step: `plan:${v.dedupKey}` });
    return { outcome: 'dry_run', volume: v.id, fromGb: plan.fromGb, toGb: plan.toGb };
  }
  const waiting = await d.guards?.beforeResize(v, plan, d.threads);
  if (waiting) return waiting;

  const issuedAt = Date.now();
  const budgetMember = `${v.id}:${plan.toGb}:${issuedAt}`;
  await recallBudgetHistory(d, issuedAt);
  const budget = await d.state.reserveBudget(d.settings.hourlyBudget, budgetMember, issuedAt);
  if (!budget.ok) {
    volumeResizeTotal.inc({ volume: v.label, outcome: 'budget_exhausted' });
    d.logger.warn(
      { volume: v.id, fromGb: plan.fromGb, toGb: plan.toGb, hourlyBudget: d.settings.hourlyBudget, freeInMs: budget.freeInMs },
      'refused: hourly resize budget used up',
    );
    // Said once until a slot frees, not once per alert past the budget.
    if (await d.state.firstReport('budget', budget.freeInMs, v.dedupKey))
      await d.threads.say(v.incident, text.budgetMessage(names, plan.fromGb, plan.toGb, d.settings.hourlyBudget, budget.freeInMs), {
        step: `budget:${v.dedupKey}`,
      });
    return { outcome: 'budget_exhausted', volume: v.id };
  }
  const next: ResizeIntent = {
    volumeId: v.id,
    volumeName: v.name,
    fromGb: plan.fromGb,
    toGb: plan.toGb,
    issuedAt,
    budgetMember,
    linuxDevice: volume.linux_device,
    format: volume.format ?? null,
    owner: v.jobId,
  };
  await d.state.saveIntent(next);
  await d.state.startCooldown(v.id, v.policy.cooldownMs);
  return finishResize(d, v, next);
}

function inCooldown(d: ResizeDeps, v: VolumeJob, remainingMs: number): ActionResult {
  volumeResizeTotal.inc({ volume: v.label, outcome: 'cooldown' });
  d.logger.info({ volume: v.id, remainingMs }, 'volume in cooldown: nothing done');
  return { outcome: 'cooldown', volume: v.id, remainingMs };
}

/**
 * An intent without an action id: the job stopped between storing it and reading the API's
 * answer (a crash, a 503, a 429). Ask the API whether the resize was made before making it.
 * Returns undefined when the intent is void: another job stored it, gave up before its call
 * reached Hetzner, and the volume never grew (then this job plans anew).
 */
async function reconcile(d: ResizeDeps, v: VolumeJob, intent: ResizeIntent): Promise<ResizeIntent | undefined> {
  if (intent.actionId !== undefined || intent.sizeReached) return intent;
  const actions = await d.hetzner.listVolumeActions(intent.volumeId);
  const ours = actions.find((a) => a.command === 'resize_volume' && Date.parse(a.started) >= intent.issuedAt - CLOCK_SKEW_MS);
  if (ours) {
    d.logger.info({ volume: intent.volumeId, actionId: ours.id }, 'resize was issued before the job stopped: resuming it');
    const found = { ...intent, actionId: ours.id };
    await d.state.saveIntent(found);
    return found;
  }
  const volume = await d.hetzner.getVolume(intent.volumeId);
  if (volume.size >= intent.toGb) {
    const reached = { ...intent, sizeReached: true };
    await d.state.saveIntent(reached);
    return reached;
  }
  if (intent.owner === v.jobId) return intent;
  d.logger.warn({ volume: intent.volumeId, owner: intent.owner }, 'dropping an intent whose resize never reached Hetzner');
  await d.state.clearIntent(intent.volumeId);
  await d.state.clearCooldown(intent.volumeId);
  await d.state.releaseBudget(intent.budgetMember);
  return undefined;
}
