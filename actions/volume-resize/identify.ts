import type { VolumeEntry } from './settings.js';

/** Which volume an alert names, before the allowlist is consulted. */
export type VolumeRef = { kind: 'id'; id: number; from: 'volume_id' | 'mountpoint' | 'device' } | { kind: 'name'; name: string };

const HC_VOLUME = /HC_Volume_(\d{1,12})(?:\D|$)/;

/**
 * DESIGN.md: label `volume_id`, else the id in a `mountpoint` or `device` label
 * (/mnt/HC_Volume_<id>, /dev/disk/by-id/scsi-0HC_Volume_<id>), else label `volume` by name.
 */
export function volumeRefFromLabels(labels: Readonly<Record<string, string>>): VolumeRef | undefined {
  const id = labels.volume_id?.trim();
  if (id && /^\d{1,12}$/.test(id)) return { kind: 'id', id: Number(id), from: 'volume_id' };
  for (const label of ['mountpoint', 'device'] as const) {
    const m = labels[label] ? HC_VOLUME.exec(labels[label]) : null;
    if (m) return { kind: 'id', id: Number(m[1]), from: label };
  }
  const name = labels.volume?.trim();
  if (name) return { kind: 'name', name };
  return undefined;
}

/** For messages: label values are untrusted, so no Slack markup (`<!channel>`, links) gets through. */
export function describeRef(ref: VolumeRef | undefined): string {
  if (!ref) return 'no volume label';
  return ref.kind === 'id' ? `volume ${ref.id} (from label ${ref.from})` : `volume "${ref.name.replace(/[<>&`*_~|]/g, '').slice(0, 64)}"`;
}

export interface VolumeLookup {
  /** The volume's name for an id (read-only API call). */
  nameOf(id: number): Promise<string | undefined>;
  /** The volume's id for a name (read-only API call). */
  idOf(name: string): Promise<number | undefined>;
}

export interface Allowlisted {
  id: number;
  entry: VolumeEntry;
}

/**
 * The allowlist entry the reference means, and the volume id, or undefined (refused).
 * An entry by id matches only that id; an entry by name matches only that name; when an
 * entry has both, both must agree. Every API look-up is keyed by a value from the config,
 * never by one from the alert: a name that no entry carries is refused without a call, and an
 * id that no entry carries is compared with the (cached) ids of the entries listed by name, so
 * a flood of made-up references costs no API budget.
 */
export async function findAllowlisted(ref: VolumeRef, entries: readonly VolumeEntry[], lookup: VolumeLookup): Promise<Allowlisted | undefined> {
  if (ref.kind === 'id') {
    const byId = entries.find((e) => e.id === ref.id);
    if (byId) {
      if (byId.name !== undefined && (await lookup.nameOf(ref.id)) !== byId.name) return undefined;
      return { id: ref.id, entry: byId };
    }
    for (const entry of entries) {
      if (entry.id !== undefined || entry.name === undefined) continue;
      if ((await lookup.idOf(entry.name)) === ref.id) return { id: ref.id, entry };
    }
    return undefined;
  }
  const named = entries.find((e) => e.name === ref.name);
  if (!named?.name) return undefined;
  const id = await lookup.idOf(named.name);
  if (id === undefined) return undefined;
  return named.id === undefined || named.id === id ? { id, entry: named } : undefined;
}
