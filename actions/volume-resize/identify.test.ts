import { describe, expect, it } from 'vitest';
import { describeRef, findAllowlisted, volumeRefFromLabels, type VolumeLookup } from './identify.js';

describe('volumeRefFromLabels', () => {
  it.each([
    [
      { volume_id: '4711', mountpoint: '/mnt/HC_Volume_1' },
      { kind: 'id', id: 4711, from: 'volume_id' },
    ],
    [{ mountpoint: '/mnt/HC_Volume_4711' }, { kind: 'id', id: 4711, from: 'mountpoint' }],
    [{ mountpoint: '/mnt/HC_Volume_4711/pg' }, { kind: 'id', id: 4711, from: 'mountpoint' }],
    [{ device: '/dev/disk/by-id/scsi-0HC_Volume_4711' }, { kind: 'id', id: 4711, from: 'device' }],
    [
      { mountpoint: '/var/lib/docker', device: '/dev/disk/by-id/scsi-0HC_Volume_99' },
      { kind: 'id', id: 99, from: 'device' },
    ],
    [
      { volume_id: 'abc', volume: 'data' },
      { kind: 'name', name: 'data' },
    ],
    [
      { mountpoint: '/mnt/data', volume: 'data' },
      { kind: 'name', name: 'data' },
    ],
    [{ mountpoint: '/mnt/HC_Volume_x' }, undefined],
    [{ alertname: 'VolumeUsageCritical' }, undefined],
  ])('%o -> %o', (labels, ref) => {
    expect(volumeRefFromLabels(labels)).toEqual(ref);
  });
});

describe('findAllowlisted', () => {
  const names: Record<number, string> = { 4711: 'data', 4712: 'logs', 4713: 'other' };
  const lookup: VolumeLookup = {
    nameOf: async (id) => names[id],
    idOf: async (name) => Object.entries(names).find(([, n]) => n === name)?.[0] as unknown as number | undefined,
  };
  const num: VolumeLookup = {
    ...lookup,
    idOf: async (n) => {
      const id = await lookup.idOf(n);
      return id === undefined ? undefined : Number(id);
    },
  };
  const entries = [{ id: 4711 }, { name: 'logs' }, { id: 4714, name: 'pinned' }];

  it.each([
    ['id in the list', { kind: 'id', id: 4711, from: 'volume_id' } as const, 4711],
    ['id whose name is in the list', { kind: 'id', id: 4712, from: 'mountpoint' } as const, 4712],
    ['name in the list', { kind: 'name', name: 'logs' } as const, 4712],
    ['name of a volume listed by id only (no entry carries the name)', { kind: 'name', name: 'data' } as const, undefined],
    ['unknown name', { kind: 'name', name: 'nope' } as const, undefined],
    ['name listed with an id that does not match', { kind: 'name', name: 'pinned' } as const, undefined],
    ['id not in the list', { kind: 'id', id: 4713, from: 'device' } as const, undefined],
    ['id listed with a name that does not match', { kind: 'id', id: 4714, from: 'volume_id' } as const, undefined],
  ])('%s', async (_, ref, id) => {
    expect((await findAllowlisted(ref, entries, num))?.id).toBe(id);
  });
});

describe('findAllowlisted: made-up references cost no API calls', () => {
  const entries = [{ id: 4711 }, { name: 'logs' }, { id: 4714, name: 'pinned' }];
  function counting() {
    const calls: string[] = [];
    const lookup: VolumeLookup = {
      nameOf: async (id) => (calls.push(`nameOf:${id}`), id === 4714 ? 'pinned' : undefined),
      idOf: async (name) => (calls.push(`idOf:${name}`), name === 'logs' ? 4712 : name === 'pinned' ? 4714 : undefined),
    };
    return { calls, lookup };
  }

  it('refuses a name no entry carries without asking the API', async () => {
    const { calls, lookup } = counting();
    for (let i = 0; i < 100; i++) expect(await findAllowlisted({ kind: 'name', name: `bogus-${i}` }, entries, lookup)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('asks only about configured names and ids, whatever id the alert names', async () => {
    const { calls, lookup } = counting();
    for (let i = 0; i < 100; i++) expect(await findAllowlisted({ kind: 'id', id: 90_000 + i, from: 'volume_id' }, entries, lookup)).toBeUndefined();
    expect(new Set(calls)).toEqual(new Set(['idOf:logs']));
  });
});

describe('describeRef', () => {
  it('keeps Slack markup in untrusted labels out of messages', () => {
    expect(describeRef({ kind: 'name', name: '<!channel> *data*' })).toBe('volume "!channel data"');
    expect(describeRef({ kind: 'id', id: 7, from: 'device' })).toBe('volume 7 (from label device)');
    expect(describeRef(undefined)).toBe('no volume label');
  });
});
