import { loadConfig } from '../config/load.js';
import { formatDuration } from '../config/duration.js';
import { AlertworksError } from '../errors.js';
import { HetznerClient } from '../hetzner/client.js';
import type { Volume } from '../hetzner/types.js';
import { resizePlan, type ResizePlan } from '../../workers/volume-resize/plan.js';
import { volumePolicy, type VolumePolicy, type VolumeResizeSettings } from '../../workers/volume-resize/settings.js';
import type { CliCommand } from './commands.js';

export interface VolumePlanReport {
  volume: { id: number; name: string; sizeGb: number; status: string; linuxDevice: string };
  allowlisted: boolean;
  plan?: ResizePlan;
  policy?: VolumePolicy;
}

/** The report's text form: what a resize job would decide now (cooldown and budget aside). */
export function formatVolumePlan(r: VolumePlanReport): string {
  const v = r.volume;
  const head = `volume ${v.name} (${v.id}): ${v.sizeGb} GB, status ${v.status}, ${v.linuxDevice}`;
  if (!r.allowlisted || !r.plan || !r.policy) return `${head}\nnot in volumeResize.volumes: an alert about it would be refused\n`;
  const p = r.policy;
  const policy = `cap ${p.maxSizeGb} GB, step ${p.stepPercent}% / at least ${p.minStepGb} GB, cooldown ${formatDuration(p.cooldownMs)}${p.dryRun ? ', dryRun' : ''}`;
  const decision =
    v.status !== 'available'
      ? `not available: a job would retry later`
      : r.plan.kind === 'at_cap'
        ? `at the cap (${r.plan.capGb} GB): no resize, outcome limit_reached`
        : `would grow ${r.plan.fromGb} GB -> ${r.plan.toGb} GB`;
  return `${head}\n${policy}\n${decision}\n(dry run: nothing was changed; cooldown and hourly budget are not consulted)\n`;
}

/** `alertworks volume plan <id|name>`: reads the real volume through our Hetzner client, changes nothing. */
export const volumePlanCommand: CliCommand = {
  name: 'volume plan',
  usage: 'volume plan <id|name> [--json]',
  summary: 'show the resize a VolumeUsageCritical alert would cause now (changes nothing)',
  async run(ctx) {
    const target = ctx.args[0];
    if (!target) {
      process.stderr.write('usage: alertworks volume plan <id|name> [--json]\n');
      return 2;
    }
    const config = loadConfig(ctx.configPath);
    const settings = config.sections.volumeResize as VolumeResizeSettings;
    const client = new HetznerClient({ token: config.hetzner.token, endpoint: config.hetzner.endpoint });
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
    const report: VolumePlanReport = {
      volume: { id: volume.id, name: volume.name, sizeGb: volume.size, status: volume.status, linuxDevice: volume.linux_device },
      allowlisted: entry !== undefined,
      ...(policy ? { policy, plan: resizePlan(volume.size, policy) } : {}),
    };
    process.stdout.write(ctx.json ? `${JSON.stringify(report)}\n` : formatVolumePlan(report));
    return entry ? 0 : 3;
  },
};
