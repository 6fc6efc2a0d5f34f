import { PermanentError } from '../../src/errors.js';
import type { ResizeDeps, VolumeJob } from './context.js';

const HOUR_MS = 3_600_000;
/** Our clock and Hetzner's may differ: a resize this close to one of ours is that one. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Before a resize, when Redis holds no record of the volume's recent history (first sight, or
 * Redis lost its data), Hetzner's own record decides: its `resize_volume` actions within the
 * cooldown (and the last hour) restore the cooldown and the volume's share of the hourly
 * budget. Returns the cooldown left by that record (0: none).
 */
export async function recallVolumeHistory(d: ResizeDeps, v: VolumeJob, now = Date.now()): Promise<number> {
  if (!d.hetzner.hasToken || (await d.state.historyKnown(v.id))) return 0;
  const resizes = (await d.hetzner.listResizeActions(v.id, now - Math.max(v.policy.cooldownMs, HOUR_MS) - CLOCK_SKEW_MS)).filter((a) => a.status !== 'error');
  const started = resizes.map((a) => ({ actionId: a.id, startedAt: Date.parse(a.started) })).filter((r) => Number.isFinite(r.startedAt));
  await d.state.recallBudget(
    v.id,
    started.filter((r) => r.startedAt > now - HOUR_MS),
    CLOCK_SKEW_MS,
  );
  const newest = Math.max(0, ...started.map((r) => r.startedAt));
  const left = newest > 0 ? newest + v.policy.cooldownMs - now : 0;
  if (left > 0) await d.state.recallCooldown(v.id, left, newest);
  await d.state.markHistoryKnown(v.id);
  if (started.length > 0) {
    d.logger.warn(
      { volume: v.id, resizes: started.length, cooldownLeftMs: Math.max(0, left) },
      "no local record of this volume's recent resizes: restored from Hetzner's actions",
    );
  }
  return Math.max(0, left);
}

/**
 * The hourly budget spans every volume: without a local record of it, the resizes of every
 * allowlisted volume in the last hour count (ids from the config, or looked up by their
 * configured names, cached).
 */
export async function recallBudgetHistory(d: ResizeDeps, now = Date.now()): Promise<void> {
  if (!d.hetzner.hasToken || (await d.state.budgetHistoryKnown())) return;
  const ids = new Set<number>();
  for (const entry of d.settings.volumes) {
    const id = entry.id ?? (entry.name !== undefined ? await d.lookup.idOf(entry.name) : undefined);
    if (id !== undefined) ids.add(id);
  }
  for (const id of ids) {
    // An allowlisted id that does not exist (a config mistake) has no history; it must not stop other volumes' resizes.
    const actions = await d.hetzner.listResizeActions(id, now - HOUR_MS - CLOCK_SKEW_MS).catch((err: unknown) => {
      if (err instanceof PermanentError && err.code === 'hetzner_not_found') return [];
      throw err;
    });
    const resizes = actions.filter((a) => a.status !== 'error');
    await d.state.recallBudget(
      id,
      resizes.map((a) => ({ actionId: a.id, startedAt: Date.parse(a.started) })).filter((r) => Number.isFinite(r.startedAt) && r.startedAt > now - HOUR_MS),
      CLOCK_SKEW_MS,
    );
  }
  await d.state.markBudgetHistoryKnown();
}
