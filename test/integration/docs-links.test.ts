import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/checkout.js';

const documents = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A clone is all a reader has: every relative link in the README and docs/ stays inside it and exists. */
describe.each(documents)('links in %s', (doc) => {
  const text = readFileSync(join(REPO_ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((t) => !/^(https?:|mailto:|#)/.test(t));

  it('point to files inside the repository that exist', () => {
    const bad = targets.flatMap((t) => {
      const path = resolve(dirname(join(REPO_ROOT, doc)), t.split('#')[0] ?? '');
      if (relative(REPO_ROOT, path).startsWith('..')) return [`${t}: outside the repository`];
      return existsSync(path) ? [] : [`${t}: no such file`];
    });
    expect(bad).toEqual([]);
  });
});
