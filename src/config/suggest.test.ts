import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('closest', () => {
  it.each([
    ['sttus', ['match', 'status', 'action'], 'status'],
    ['cofig', ['config', 'help', 'json', 'version'], 'config'],
    ['dryrun', ['dryRun', 'jobs'], 'dryRun'],
    ['maxSizeGB', ['maxSizeGb', 'minStepGb'], 'maxSizeGb'],
    ['serverr', ['server', 'redis'], 'server'],
    ['zz', ['json', 'help'], undefined],
    ['completely-else', ['config', 'json'], undefined],
  ])('%s -> %s', (given, known, want) => {
    expect(closest(given, known)).toBe(want);
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
