import { readHash, when, type StatusRow, type StatusSection } from './section.js';
import { volumeStatusKey } from './volume-status.js';

interface VolumeEntry {
  id?: number | string;
  name?: string;
  maxSizeGb?: number;
}

/** The resize action's stored intent while a resize is in flight (workers/volume-resize/state.ts). */
interface ResizeIntent {
  fromGb: number;
  toGb: number;
  issuedAt: number;
}

/**
 * Volumes on the resize allowlist with size, cap and last resize. Config comes from the
 * `volumeResize` section; size and last resize from `<prefix>:volume:<id>` (recordVolumeStatus,
 * called by the resize action); a resize in flight from the action's intent
 * `<prefix>:volume-resize:intent:<id>`, a running cooldown from `<prefix>:volume-resize:cooldown:<id>`.
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
    const prefix = config.redis.prefix;
    const section = config.sections.volumeResize as { maxSizeGb?: number; volumes?: VolumeEntry[] } | undefined;
    return Promise.all(
      (section?.volumes ?? []).map(async (volume): Promise<StatusRow> => {
        const id = volume.id ?? volume.name ?? '';
        const [state, intentJson, cooldownFrom, cooldownMs] = await Promise.all([
          readHash(redis, volumeStatusKey(prefix, id)),
          redis.get(`${prefix}:volume-resize:intent:${id}`),
          redis.get(`${prefix}:volume-resize:cooldown:${id}`),
          redis.pttl(`${prefix}:volume-resize:cooldown:${id}`),
        ]);
        const intent = intentJson ? (JSON.parse(intentJson) as ResizeIntent) : undefined;
        const cap = volume.maxSizeGb ?? section?.maxSizeGb;
        const size = state?.sizeGb ? Number(state.sizeGb) : undefined;
        let lastResize = 'none recorded';
        if (intent) lastResize = `in progress: ${intent.fromGb} → ${intent.toGb} GB, since ${when(String(intent.issuedAt), now)}`;
        else if (state?.lastResizeAt) lastResize = `${state.lastResizeFromGb ?? '?'} → ${state.lastResizeToGb ?? '?'} GB, ${when(state.lastResizeAt, now) ?? state.lastResizeAt}`;
        return {
          level: intent ? 'warn' : size === undefined ? 'unknown' : cap !== undefined && size >= cap ? 'warn' : 'ok',
          cells: {
            volume: [volume.name, volume.id !== undefined ? `#${volume.id}` : undefined].filter(Boolean).join(' '),
            size: size ?? 'not seen yet',
            cap: size !== undefined && cap !== undefined && size >= cap ? `${cap} (reached)` : cap,
            lastResize,
            cooldown: cooldownFrom && cooldownMs > 0 ? `${Math.ceil(cooldownMs / 60_000)} min left` : undefined,
          },
        };
      }),
    );
  },
};
