import { readHash, when, type StatusRow, type StatusSection } from './section.js';

interface VolumeEntry {
  id?: number | string;
  name?: string;
  maxSizeGb?: number;
}

/**
 * Volumes on the resize allowlist with size, cap and last resize. Config comes from the
 * `volumeResize` section; state from the hash `<prefix>:volume:<id or name>` (fields: sizeGb,
 * lastResizeAt, lastResizeFromGb, lastResizeToGb), written by the resize action.
 */
export const volumesSection: StatusSection = {
  id: 'volumes',
  title: 'Volumes',
  columns: [
    { key: 'volume', label: 'Volume' },
    { key: 'size', label: 'Size (GB)' },
    { key: 'cap', label: 'Cap (GB)' },
    { key: 'lastResize', label: 'Last resize' },
  ],
  empty: 'No volumes on the resize allowlist (config: volumeResize.volumes).',
  async load({ config, redis, now }) {
    const prefix = config.redis.prefix;
    const section = config.sections.volumeResize as { maxSizeGb?: number; volumes?: VolumeEntry[] } | undefined;
    const volumes = section?.volumes ?? [];
    return Promise.all(
      volumes.map(async (volume): Promise<StatusRow> => {
        const key = String(volume.id ?? volume.name ?? '');
        const state = await readHash(redis, `${prefix}:volume:${key}`);
        const cap = volume.maxSizeGb ?? section?.maxSizeGb;
        const size = state?.sizeGb ? Number(state.sizeGb) : undefined;
        const resized = state?.lastResizeAt
          ? `${state.lastResizeFromGb ?? '?'} → ${state.lastResizeToGb ?? '?'} GB, ${when(state.lastResizeAt, now) ?? state.lastResizeAt}`
          : 'never';
        return {
          level: size === undefined ? 'unknown' : cap !== undefined && size >= cap ? 'warn' : 'ok',
          cells: {
            volume: [volume.name, volume.id].filter((v) => v !== undefined).join(' #'),
            size: size ?? 'not seen yet',
            cap,
            lastResize: resized,
          },
        };
      }),
    );
  },
};
