import { Octokit } from '@octokit/rest';
import { PermanentError } from '../errors.js';
import { withClientSpan } from '../observability/tracing.js';
import { createTracedFetch } from '../observability/traced-fetch.js';
import { classifyGitHubError } from './errors.js';
import { setVolumeSize } from './terraform-size.js';

const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubOpsOptions {
  token: string;
  /** GITHUB_API_URL. @defaultValue https://api.github.com */
  apiUrl?: string;
}

export interface WorkflowDispatch {
  /** "owner/repo" */
  repo: string;
  /** Workflow file name or id, e.g. volume-resize.yml. */
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
}

export interface SizePullRequest {
  repo: string;
  path: string;
  /** Terraform address, e.g. hcloud_volume.data. */
  resource: string;
  /** Branch the PR goes into. */
  base: string;
  volumeId: number;
  volumeName: string;
  fromGb: number;
  toGb: number;
}

export type SizePullRequestResult = { kind: 'opened' | 'updated'; number: number; url: string } | { kind: 'unchanged'; reason: string };

/** The branch of the one drift PR per volume; an open PR is found again by it. */
export function sizeBranch(volumeId: number): string {
  return `alertworks/volume-${volumeId}-size`;
}

/**
 * What volume resizing does on GitHub: dispatch the filesystem workflow, and open (or update)
 * the pull request that brings the Terraform size in line with the real volume.
 */
export class GitHubOps {
  private readonly octokit: Octokit;

  constructor(options: GitHubOpsOptions) {
    const quiet = () => undefined;
    this.octokit = new Octokit({
      auth: options.token,
      baseUrl: (options.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, ''),
      userAgent: 'alertworks',
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      request: { timeout: 15_000, fetch: createTracedFetch({ attributes: { 'rpc.system': 'github' } }) },
    });
  }

  async dispatchWorkflow(d: WorkflowDispatch): Promise<void> {
    const { owner, repo } = splitRepo(d.repo);
    await this.call('dispatch_workflow', { 'github.repo': d.repo, 'github.workflow': d.workflow }, () =>
      this.octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: d.workflow, ref: d.ref, inputs: d.inputs }),
    );
  }

  /**
   * Sets the volume's size in the Terraform file through a PR on `sizeBranch(volumeId)`.
   * An open PR for the volume is updated instead of opening a second. Throws PermanentError
   * `terraform_not_found` when the file or the resource block is missing.
   */
  async upsertSizePullRequest(p: SizePullRequest): Promise<SizePullRequestResult> {
    const { owner, repo } = splitRepo(p.repo);
    const branch = sizeBranch(p.volumeId);
    const attrs = { 'github.repo': p.repo };
    const title = `Volume ${p.volumeName}: size ${p.toGb} GB (resized by alertworks)`;
    const body = [
      `alertworks resized Hetzner volume \`${p.volumeName}\` (${p.volumeId}) from ${p.fromGb} GB to ${p.toGb} GB.`,
      `This sets \`size = ${p.toGb}\` in \`${p.resource}\` (\`${p.path}\`) so Terraform matches the real volume.`,
    ].join('\n\n');
    const message = `${p.resource}: size = ${p.toGb} (volume resized by alertworks)`;

    const open = await this.call('list_pulls', attrs, () =>
      this.octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${branch}`, per_page: 5 }),
    );
    const existing = open.data[0];
    if (existing) {
      const file = await this.getFile(owner, repo, p.path, branch);
      const edit = this.edit(file.text, p);
      if (edit.changed) {
        await this.call('update_contents', attrs, () =>
          this.octokit.rest.repos.createOrUpdateFileContents({
            owner,
            repo,
            path: p.path,
            branch,
            sha: file.sha,
            message,
            content: Buffer.from(edit.text).toString('base64'),
          }),
        );
        await this.call('update_pull', attrs, () => this.octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title, body }));
      }
      return { kind: 'updated', number: existing.number, url: existing.html_url };
    }

    const baseRef = await this.call('get_ref', attrs, () => this.octokit.rest.git.getRef({ owner, repo, ref: `heads/${p.base}` }));
    const file = await this.getFile(owner, repo, p.path, p.base);
    const edit = this.edit(file.text, p);
    if (!edit.changed) return { kind: 'unchanged', reason: `${p.path} already has size = ${p.toGb} on ${p.base}` };

    const baseSha = baseRef.data.object.sha;
    try {
      await this.call('create_ref', attrs, () => this.octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: baseSha }));
    } catch (err) {
      // Left over from a closed PR (or a crash before the PR was opened): start it again from base.
      if ((err as PermanentError).code !== 'github_422') throw err;
      await this.call('update_ref', attrs, () => this.octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: baseSha, force: true }));
    }
    await this.call('update_contents', attrs, () =>
      this.octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: p.path,
        branch,
        sha: file.sha,
        message,
        content: Buffer.from(edit.text).toString('base64'),
      }),
    );
    const pr = await this.call('create_pull', attrs, () => this.octokit.rest.pulls.create({ owner, repo, head: branch, base: p.base, title, body }));
    return { kind: 'opened', number: pr.data.number, url: pr.data.html_url };
  }

  private edit(text: string, p: SizePullRequest): { text: string; changed: boolean } {
    const edit = setVolumeSize(text, p.resource, p.toGb);
    if (!edit.ok) throw new PermanentError(`${p.repo}/${p.path}: ${edit.reason}`, 'terraform_not_found', { reason: 'not_found' });
    return edit;
  }

  private async getFile(owner: string, repo: string, path: string, ref: string): Promise<{ text: string; sha: string }> {
    let res;
    try {
      res = await this.call('get_contents', { 'github.repo': `${owner}/${repo}` }, () => this.octokit.rest.repos.getContent({ owner, repo, path, ref }));
    } catch (err) {
      if ((err as PermanentError).code === 'github_404')
        throw new PermanentError(`${owner}/${repo}/${path}: file not found on ${ref}`, 'terraform_not_found', { reason: 'not_found' });
      throw err;
    }
    const data = res.data as { type?: string; content?: string; encoding?: string; sha?: string };
    if (Array.isArray(res.data) || data.type !== 'file' || typeof data.content !== 'string' || !data.sha) {
      throw new PermanentError(`${owner}/${repo}/${path}: not a file`, 'terraform_not_found', { reason: 'not_found' });
    }
    return { text: Buffer.from(data.content, 'base64').toString('utf8'), sha: data.sha };
  }

  private async call<T>(op: string, attrs: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    return withClientSpan(`github.${op}`, attrs, async () => {
      try {
        return await fn();
      } catch (err) {
        throw classifyGitHubError(err, op);
      }
    });
  }
}

function splitRepo(full: string): { owner: string; repo: string } {
  const [owner, repo] = full.split('/');
  if (!owner || !repo) throw new PermanentError(`"${full}" is not owner/repo`, 'github_bad_repo', { reason: 'bad_request' });
  return { owner, repo };
}
