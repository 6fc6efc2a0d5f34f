import { when, type StatusRow, type StatusSection } from '../../src/status/section.js';
import type { VolumeEntry } from './settings.js';
import { VolumeResizeState } from './state.js';

/**
 * Volumes on the resize allowlist with size, cap and last resize. Config comes from the
 * `volumeResize` section; everything seen at run time is read through the action's own state
 * (VolumeResizeState.view), which also finds a volume allowlisted by name only.
 */
export const volumesSection: StatusSection = {
  id: 'volumes',
  title: 'Volumes',
  columns: [
    { key: 'volume', label: 'Volume' },
    { key: 'size', label: 'Size (GB)' },
    { key: 'cap', label: 'Cap (GB)' },
    { key: 'lastResize', label: 'Last resize' },
    { key: 'cooldown', label: 'Cooldown' },
  ],
  empty: 'No volumes on the resize allowlist (config: volumeResize.volumes).',
  async load({ config, redis, now }) {
    // Parsed and frozen at load by this action's own schema (actions/volume-resize/index.ts).
    const settings = config.sections.volumeResize;
    const state = new VolumeResizeState(redis, config.redis.prefix);
    return Promise.all(
      (settings?.volumes ?? []).map(async (volume: VolumeEntry): Promise<StatusRow> => {
        const view = await state.view(volume);
        const cap = volume.maxSizeGb ?? settings?.maxSizeGb;
        const size = view.sizeGb;
        let lastResize = 'none recorded';
        if (view.inFlight) lastResize = `in progress: ${view.inFlight.fromGb} → ${view.inFlight.toGb} GB, since ${when(String(view.inFlight.issuedAt), now)}`;
        else if (view.lastResize) lastResize = `${view.lastResize.fromGb} → ${view.lastResize.toGb} GB, ${when(String(view.lastResize.at), now)}`;
        return {
          level: view.inFlight ? 'warn' : size === undefined ? 'unknown' : cap !== undefined && size >= cap ? 'warn' : 'ok',
          cells: {
            volume: [volume.name, volume.id !== undefined ? `#${volume.id}` : undefined].filter(Boolean).join(' '),
            size: size ?? 'not seen yet',
            cap: size !== undefined && cap !== undefined && size >= cap ? `${cap} (reached)` : cap,
            lastResize,
            cooldown: view.cooldownLeftMs > 0 ? `${Math.ceil(view.cooldownLeftMs / 60_000)} min left` : undefined,
            ...(view.unreadable ? { lastResize: `${lastResize}; unreadable: ${view.unreadable.join('; ')}` } : {}),
          },
        };
      }),
    );
  },
};
