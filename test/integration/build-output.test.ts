import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';

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
    await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], {
      cwd: repo,
    });
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

  it('serves the receiver, /status and /admin/queues (with its assets) from dist, and stops on SIGTERM', async () => {
    const redis = await RedisServer.start();
    const port = await freePort();
    const token = 'build-output-token-0123456789';
    const child = spawn(process.execPath, [join(app, 'bin/alertworks.js'), 'serve'], {
      cwd: app,
      env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', WEBHOOK_TOKEN: token, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('compiled service /healthz', async () => (await fetch(`${base}/healthz`)).ok, 30_000, 200);
      const auth = { headers: { Authorization: `Bearer ${token}` } };
      expect((await fetch(`${base}/status`)).status).toBe(401);
      expect((await fetch(`${base}/status`, auth)).status).toBe(200);
      const page = await (await fetch(`${base}/admin/queues`, auth)).text();
      const script = page.match(/src="(static\/js\/main\.[^"]+\.js)"/)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${base}/admin/queues/${script}`, auth)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await redis.destroy();
    }
  });

  it('fails without tsx when dist is missing (so the tests above really ran the compiled code)', async () => {
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    await expect(run(process.execPath, [join(app, 'bin/alertworks.js'), '--help'], { cwd: app })).rejects.toThrow(/tsx/);
  });
});
