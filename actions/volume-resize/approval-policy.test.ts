import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { needsApproval } from './approval-policy.js';
import { volumePolicy } from './settings.js';

describe('approval policy', () => {
  it.each([
    ['never', 'never', 500, false],
    ['always', 'always', 11, true],
    ['above: target over N waits', { aboveGb: 50 }, 51, true],
    ['above: target equal to N does not', { aboveGb: 50 }, 50, false],
  ] as const)('%s', (_n, policy, toGb, expected) => {
    expect(needsApproval(policy, toGb)).toBe(expected);
  });

  it('defaults to never with a 1h timeout, and a volume overrides the section', () => {
    const config = parseConfig(
      'volumeResize:\n  approval: { aboveGb: 40 }\n  volumes: [{ id: 1 }, { id: 2, approval: always, approvalTimeout: 10m }]\n',
      't.yaml',
      {},
    );
    const s = config.sections.volumeResize;
    expect(volumePolicy(s, s.volumes[0]!)).toMatchObject({ approval: { aboveGb: 40 }, approvalTimeoutMs: 3_600_000 });
    expect(volumePolicy(s, s.volumes[1]!)).toMatchObject({ approval: 'always', approvalTimeoutMs: 600_000 });
    const plain = parseConfig('volumeResize:\n  volumes: [{ id: 1 }]\n', 't.yaml', {}).sections.volumeResize;
    expect(volumePolicy(plain, plain.volumes[0]!).approval).toBe('never');
  });

  it.each([
    ['unknown word', 'approval: sometimes', 'volumeResize.approval'],
    ['aboveGb not a number', 'approval: { aboveGb: lots }', 'volumeResize.approval'],
    ['timeout too short', 'approvalTimeout: 10ms', 'volumeResize.approvalTimeout: must be between 1s and 7d'],
  ])('config error names the field: %s', (_n, line, expected) => {
    expect(() => parseConfig(`volumeResize:\n  ${line}\n`, 'bad.yaml', {})).toThrow(expected);
  });
});
