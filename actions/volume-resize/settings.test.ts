import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { volumePolicy, volumeResizeSettingsSchema, type VolumeResizeSettings } from './settings.js';

const wf = { repo: 'acme/infra', workflow: 'grow.yml', ref: 'main' };

describe('volumeResize settings', () => {
  it('has the documented defaults', () => {
    expect(volumeResizeSettingsSchema.parse({})).toMatchObject({
      maxSizeGb: 100,
      stepPercent: 25,
      minStepGb: 10,
      cooldown: 3_600_000,
      hourlyBudget: 3,
      dryRun: false,
      volumes: [],
    });
  });

  it('lets a volume override any policy field, and `filesystem: {}` switch the workflow off', () => {
    const s = volumeResizeSettingsSchema.parse({
      filesystem: { workflow: wf },
      volumes: [{ id: 1 }, { id: 2, maxSizeGb: 500, cooldown: '2h', dryRun: true, filesystem: {} }],
    }) as VolumeResizeSettings;
    expect(volumePolicy(s, s.volumes[0]!)).toMatchObject({ maxSizeGb: 100, cooldownMs: 3_600_000, dryRun: false, workflow: wf });
    expect(volumePolicy(s, s.volumes[1]!)).toMatchObject({ maxSizeGb: 500, cooldownMs: 7_200_000, dryRun: true, workflow: undefined });
  });

  it.each([
    ['volumes: [{ maxSizeGb: 50 }]', 'volumeResize.volumes[0]: needs an id or a name'],
    ['maxSizeGb: 20000', 'volumeResize.maxSizeGb: Too big: expected number to be <=10240'],
    [
      'volumes: [{ id: 1, terraform: { repo: acme/infra, path: a.tf, resource: data } }]',
      'volumeResize.volumes[0].terraform.resource: must be hcloud_volume.<name>',
    ],
    [
      'volumes: [{ id: 1, filesystem: { workflow: { repo: infra, workflow: x.yml } } }]',
      'volumeResize.volumes[0].filesystem.workflow.repo: must be owner/repo',
    ],
    ['cooldown: soon', 'volumeResize.cooldown: "soon" is not a duration (use e.g. 30s, 5m, 1h)'],
    ['volumes: [{ id: 1, size: 3 }]', 'volumeResize.volumes[0]: Unrecognized key: "size"'],
  ])('%s -> %s', (yaml, problem) => {
    expect(() => parseConfig(`volumeResize:\n  ${yaml}\n`, 'test.yaml', {})).toThrow(problem);
  });
});
