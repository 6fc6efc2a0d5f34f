import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');

/**
 * What the production image runs: `npm run build` output started through bin/alertworks.js,
 * with production dependencies only (no tsx, so the compiled code is what runs).
 */
describe('build output (as in the Docker image)', () => {
  let app: string;

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'aw-image-'));
    await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: repo });
    cpSync(join(repo, 'bin'), join(app, 'bin'), { recursive: true });
    cpSync(join(repo, 'package.json'), join(app, 'package.json'));
    cpSync(join(repo, 'config/alertworks.yaml'), join(app, 'config/alertworks.yaml'));
    // node_modules without the dev dependencies (in particular without tsx).
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const dev = new Set(Object.keys(pkg.devDependencies));
    const modules = join(app, 'node_modules');
    mkdirSync(modules);
    for (const entry of readdirSync(join(repo, 'node_modules'))) {
      if (entry.startsWith('.') || dev.has(entry)) continue;
      if (entry.startsWith('@')) {
        mkdirSync(join(modules, entry));
        for (const sub of readdirSync(join(repo, 'node_modules', entry))) {
          if (!dev.has(`${entry}/${sub}`)) symlinkSync(join(repo, 'node_modules', entry, sub), join(modules, entry, sub));
        }
      } else {
        symlinkSync(join(repo, 'node_modules', entry), join(modules, entry));
      }
    }
  }, 120_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('runs `alertworks --help` from dist without dev dependencies, listing every command', async () => {
    const { stdout } = await run(process.execPath, [join(app, 'bin/alertworks.js'), '--help'], { cwd: app });
    for (const word of ['serve', 'work', 'all', 'check-config', 'queues', '/status', '/admin/queues']) expect(stdout).toContain(word);
  });

  it('validates the shipped config with `alertworks check-config`', async () => {
    const { stdout } = await run(process.execPath, [join(app, 'bin/alertworks.js'), 'check-config', 'config/alertworks.yaml'], { cwd: app });
    expect(stdout).toMatch(/config\/alertworks\.yaml: OK/);
  });

  it('fails without tsx when dist is missing (so the tests above really ran the compiled code)', async () => {
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    await expect(run(process.execPath, [join(app, 'bin/alertworks.js'), '--help'], { cwd: app })).rejects.toThrow(/tsx/);
  });
});
