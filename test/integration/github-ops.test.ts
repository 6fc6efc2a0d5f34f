import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubOps, sizeBranch } from '../../src/github/client.js';
import { PermanentError, RetryLaterError } from '../../src/errors.js';
import { FakeGitHub } from '../fakes/github.js';

const TF = 'resource "hcloud_volume" "data" {\n  name = "data"\n  size = 20\n}\n';

describe('GitHubOps against the fake GitHub REST API', () => {
  let gh: FakeGitHub;
  let ops: GitHubOps;
  const pr = {
    repo: 'acme/infra',
    path: 'terraform/volumes.tf',
    resource: 'hcloud_volume.data',
    base: 'main',
    volumeId: 4711,
    volumeName: 'data',
    fromGb: 20,
    toGb: 30,
  };

  beforeAll(async () => {
    gh = await FakeGitHub.start();
    gh.addRepo('acme/infra', { 'terraform/volumes.tf': TF }, { workflows: ['volume-resize.yml'] });
    ops = new GitHubOps({ token: gh.token, apiUrl: gh.url });
  });
  afterAll(() => gh.stop());

  it('dispatches the workflow with string inputs', async () => {
    await ops.dispatchWorkflow({
      repo: 'acme/infra',
      workflow: 'volume-resize.yml',
      ref: 'main',
      inputs: { volume_id: '4711', size_gb: '30', linux_device: '/dev/x' },
    });
    expect(gh.dispatches).toEqual([
      { repo: 'acme/infra', workflow: 'volume-resize.yml', ref: 'main', inputs: { volume_id: '4711', size_gb: '30', linux_device: '/dev/x' } },
    ]);
    const missing = await ops.dispatchWorkflow({ repo: 'acme/infra', workflow: 'nope.yml', ref: 'main', inputs: {} }).catch((e: unknown) => e);
    expect((missing as PermanentError).code).toBe('github_404');
  });

  it('opens one PR that changes only the size line, then updates it for the next resize', async () => {
    const first = await ops.upsertSizePullRequest(pr);
    expect(first).toMatchObject({ kind: 'opened', number: 1 });
    expect(gh.fileAt('acme/infra', sizeBranch(4711), pr.path)).toBe(TF.replace('size = 20', 'size = 30'));
    expect(gh.fileAt('acme/infra', 'main', pr.path)).toBe(TF);

    const second = await ops.upsertSizePullRequest({ ...pr, fromGb: 30, toGb: 40 });
    expect(second).toMatchObject({ kind: 'updated', number: 1 });
    expect(gh.pulls('acme/infra')).toHaveLength(1);
    expect(gh.pulls('acme/infra')[0]?.title).toContain('40 GB');
    expect(gh.fileAt('acme/infra', sizeBranch(4711), pr.path)).toBe(TF.replace('size = 20', 'size = 40'));
  });

  it('starts a closed PR branch again from base', async () => {
    gh.pulls('acme/infra')[0]!.state = 'closed';
    const again = await ops.upsertSizePullRequest({ ...pr, toGb: 50 });
    expect(again).toMatchObject({ kind: 'opened', number: 2 });
    expect(gh.fileAt('acme/infra', sizeBranch(4711), pr.path)).toBe(TF.replace('size = 20', 'size = 50'));
  });

  it('fails with terraform_not_found for a missing file or block', async () => {
    const noFile = (await ops.upsertSizePullRequest({ ...pr, volumeId: 1, path: 'nope.tf' }).catch((e: unknown) => e)) as PermanentError;
    expect(noFile.code).toBe('terraform_not_found');
    expect(noFile.message).toContain('nope.tf: file not found on main');
    const noBlock = (await ops.upsertSizePullRequest({ ...pr, volumeId: 2, resource: 'hcloud_volume.logs' }).catch((e: unknown) => e)) as PermanentError;
    expect(noBlock.message).toContain('resource "hcloud_volume" "logs" not found');
  });

  it('turns a secondary rate limit into RetryLaterError', async () => {
    gh.failNext(1, 429);
    const err = await ops.dispatchWorkflow({ repo: 'acme/infra', workflow: 'volume-resize.yml', ref: 'main', inputs: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).delayMs).toBe(1000);
  });
});
