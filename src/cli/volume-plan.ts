import { loadConfig } from '../config/load.js';
import { formatDuration } from '../config/duration.js';
import { AlertworksError } from '../errors.js';
import { HetznerClient } from '../hetzner/client.js';
import type { Volume } from '../hetzner/types.js';
import { createRedis, describeRedis, redisUnavailable, waitForRedis } from '../redis.js';
import { resizePlan, type ResizePlan } from '../../actions/volume-resize/plan.js';
import { volumePolicy, type VolumePolicy } from '../../actions/volume-resize/settings.js';
import { VolumeResizeState } from '../../actions/volume-resize/state.js';
import type { CliCommand } from './commands.js';
import { REDIS_WAIT_MS } from './queues-command.js';
import { redisLine } from './redis-source.js';
import { isUnreadable } from '../state/stored-record.js';

/** What the shared state says about acting now; `unknown` when Redis could not be read. */
export type NowState =
  | { kind: 'free' }
  | { kind: 'cooldown'; untilMs: number }
  | { kind: 'budget'; untilMs: number; used: number; budget: number }
  | { kind: 'in_progress'; toGb: number }
  | { kind: 'unknown'; reason: string };

export interface VolumePlanReport {
  volume: { id: number; name: string; sizeGb: number; status: string; linuxDevice: string };
  allowlisted: boolean;
  plan?: ResizePlan;
  policy?: VolumePolicy;
  /** Where a global dry run was decided (config.dryRunSource), when it is on. */
  dryRunSource?: string;
  now?: NowState;
}

/** Local wall-clock HH:MM of an epoch time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * The report's text form: what a VolumeUsageCritical alert would get now, in the order the
 * resize job decides: cooldown (or an unfinished resize), then the size plan (cap), dry run,
 * then the hourly budget.
 */
function formatVolumePlan(r: VolumePlanReport, nowMs = Date.now()): string {
  const v = r.volume;
  const head = `volume ${v.name} (${v.id}): ${v.sizeGb} GB, status ${v.status}, ${v.linuxDevice}`;
  if (!r.allowlisted || !r.plan || !r.policy) return `${head}\nnot in volumeResize.volumes: an alert about it would be refused\n`;
  const p = r.policy;
  const dryRun = r.dryRunSource ?? (p.dryRun ? 'dryRun for this volume in volumeResize' : undefined);
  const policy = `cap ${p.maxSizeGb} GB, step ${p.stepPercent}% / at least ${p.minStepGb} GB, cooldown ${formatDuration(p.cooldownMs)}${dryRun ? `, dry run (${dryRun})` : ''}`;
  const sizePlan =
    r.plan.kind === 'at_cap' ? `at the cap (${r.plan.capGb} GB): no resize, outcome limit_reached` : `would grow ${r.plan.fromGb} GB -> ${r.plan.toGb} GB`;
  const now = r.now ?? { kind: 'unknown', reason: 'not read' };
  const left = (until: number) => formatDuration(Math.max(0, until - nowMs));
  let decision: string;
  if (now.kind === 'in_progress') decision = `a resize to ${now.toGb} GB is unfinished: an alert now would finish it, not plan anew`;
  else if (now.kind === 'cooldown')
    decision = `refused until ${clock(now.untilMs)}: inside the cooldown (${left(now.untilMs)} left); the plan after it: ${sizePlan}`;
  else if (v.status !== 'available') decision = 'not available: a job would retry later';
  else if (r.plan.kind === 'at_cap' || dryRun) decision = dryRun && r.plan.kind === 'grow' ? `${sizePlan}, as a dry run: nothing would change` : sizePlan;
  else if (now.kind === 'budget')
    decision = `refused until ${clock(now.untilMs)}: the hourly budget (${now.used} of ${now.budget} resizes) is used up (${left(now.untilMs)} left); then: ${sizePlan}`;
  else decision = now.kind === 'unknown' ? `${sizePlan} (cooldown and budget unknown: ${now.reason})` : sizePlan;
  return `${head}\n${policy}\nan alert now: ${decision}\n(this command changed nothing)\n`;
}

/** Cooldown, unfinished intent and budget as the resize job would read them, through their owner module. */
async function readNow(state: VolumeResizeState, volumeId: number, budget: number, nowMs: number): Promise<NowState> {
  const intent = await state.getIntent(volumeId);
  // An unreadable intent counts as lost, as the job treats it: cooldown and budget decide.
  if (intent && !isUnreadable(intent)) return { kind: 'in_progress', toGb: intent.toGb };
  const cooldown = await state.cooldownLeft(volumeId);
  if (cooldown > 0) return { kind: 'cooldown', untilMs: nowMs + cooldown };
  const usage = await state.budgetUsage(nowMs);
  if (usage.used >= budget) return { kind: 'budget', untilMs: nowMs + usage.freeInMs, used: usage.used, budget };
  return { kind: 'free' };
}

/** `alertworks volume plan <id|name>`: reads the real volume and alertworks' Redis state, changes nothing. */
export const volumePlanCommand: CliCommand = {
  name: 'volume plan',
  usage: 'volume plan <id|name> [--json]',
  summary: 'what a VolumeUsageCritical alert would get now: resize plan, or refused until HH:MM (cooldown, budget)',
  async run(ctx) {
    const target = ctx.args[0];
    if (!target || ctx.args.length > 1) {
      process.stderr.write('usage: alertworks volume plan <id|name> [--json]\n');
      return 2;
    }
    const config = loadConfig(ctx.configPath, ctx.env);
    const { volumeResize: settings, hetzner } = config.sections;
    const client = new HetznerClient({ token: hetzner.token, endpoint: hetzner.endpoint });
    let volume: Volume | undefined;
    try {
      volume = /^\d+$/.test(target) ? await client.getVolume(Number(target)) : (await client.listVolumes({ name: target }))[0];
    } catch (err) {
      const hint = client.hasToken ? '' : ' (HCLOUD_TOKEN is not set)';
      process.stderr.write(`alertworks: cannot read volume ${target}: ${err instanceof AlertworksError ? err.message : String(err)}${hint}\n`);
      return 1;
    }
    if (!volume) {
      process.stderr.write(`alertworks: no volume named ${target}\n`);
      return 1;
    }
    const entry = settings.volumes.find((e) => (e.id === undefined || e.id === volume.id) && (e.name === undefined || e.name === volume.name));
    const policy = entry ? volumePolicy(settings, entry) : undefined;
    const nowMs = Date.now();
    let now: NowState | undefined;
    if (entry) {
      process.stderr.write(redisLine(config.redis, ctx.redisFrom));
      const redis = createRedis(config.redis, 'producer', { connectTimeout: REDIS_WAIT_MS });
      try {
        await waitForRedis(redis, REDIS_WAIT_MS);
        now = await readNow(new VolumeResizeState(redis, config.redis.prefix), volume.id, settings.hourlyBudget, nowMs);
      } catch (err) {
        now = {
          kind: 'unknown',
          reason: redisUnavailable(err, `Redis at ${describeRedis(config.redis)} (from ${ctx.redisFrom})`, REDIS_WAIT_MS, { hint: false }),
        };
      } finally {
        redis.disconnect();
      }
    }
    const report: VolumePlanReport = {
      volume: { id: volume.id, name: volume.name, sizeGb: volume.size, status: volume.status, linuxDevice: volume.linux_device },
      allowlisted: entry !== undefined,
      ...(policy ? { policy, plan: resizePlan(volume.size, policy) } : {}),
      ...(config.dryRun ? { dryRunSource: config.dryRunSource ?? 'dryRun' } : {}),
      ...(now ? { now } : {}),
    };
    process.stdout.write(ctx.json ? `${JSON.stringify(report)}\n` : formatVolumePlan(report, nowMs));
    return entry ? 0 : 3;
  },
};
