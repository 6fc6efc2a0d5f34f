import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });

/**
 * A fresh clone of this repository with the working tree's tracked files as they are on disk
 * (committed there, so `git status` starts clean) and node_modules hard-linked from this
 * checkout (as an installed checkout has it), for tests that run `npm start` as a user would
 * and then look at what it left behind.
 */
export function freshClone(): { dir: string; status(): string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'aw-clone-'));
  const dir = join(parent, 'alertworks');
  git(parent, 'clone', '--quiet', '--no-local', REPO_ROOT, dir);
  // Uncommitted edits of tracked files and new untracked ones (not ignored): the tree under test.
  const files = git(REPO_ROOT, 'ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(join(REPO_ROOT, file), join(dir, file));
    } catch {
      rmSync(join(dir, file), { force: true }); // deleted on disk
    }
  }
  git(dir, 'add', '-A');
  if (git(dir, 'status', '--porcelain')) git(dir, 'commit', '--quiet', '-m', 'working tree under test');
  execFileSync('cp', ['-al', join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules')]);
  return {
    dir,
    status: () => git(dir, 'status', '--porcelain', '--untracked-files=all'),
    remove: () => rmSync(parent, { recursive: true, force: true }),
  };
}
