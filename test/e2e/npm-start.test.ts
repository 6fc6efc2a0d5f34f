import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium, type Browser } from '../support/chromium.js';
import { freshClone } from '../support/checkout.js';
import { NpmStart } from '../support/npm-start.js';
import { waitFor } from '../support/ports.js';

const exec = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * The first minutes of a new operator, in a fresh clone: `npm start` (the real npm and
 * scripts/start.sh), the URLs it prints, a browser logging in the way the README says, the CLI
 * in a second terminal, a second `npm start` on the same Redis port, and `kill -TERM` of npm.
 * Afterwards the checkout is as clean as it was.
 */
describe('npm start in a fresh clone', () => {
  let clone: ReturnType<typeof freshClone>;
  let app: NpmStart;
  let browser: Browser;

  beforeAll(async () => {
    clone = freshClone();
    app = await NpmStart.start(clone.dir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop('SIGKILL');
    clone?.remove();
  });

  it('prints where to look: /status, /login, /admin/queues and the webhook, and the token for this run', () => {
    const base = `http://127.0.0.1:${app.port}`;
    expect(app.stderr).toContain(`started Redis for this run on redis://127.0.0.1:${app.redisPort}`);
    expect(app.stderr).toContain(`status page  ${base}/status  (log in at ${base}/login with the webhook token)`);
    expect(app.stderr).toContain(`queues       ${base}/admin/queues`);
    expect(app.stderr).toContain(`webhook      POST ${base}/hooks/alertmanager`);
    expect(app.token.length).toBeGreaterThanOrEqual(16);
  });

  it('a browser is sent to the login form, logs in with the printed token and sees /status and /admin/queues', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${app.base}/status`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('#token', 'not-the-token-0123456789');
      await page.click('button[type=submit]');
      expect(await page.locator('[role=alert]').innerText()).toContain('not valid');

      await page.fill('#token', app.token);
      await Promise.all([page.waitForURL(`${app.base}/status`), page.click('button[type=submit]')]);
      expect(await page.title()).toBe('alertworks status');
      const cookie = (await browser.context.cookies(app.base)).find((c) => c.name === 'alertworks_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
      expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000);

      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(app.base) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      const response = await page.goto(`${app.base}/admin/queues`);
      expect(response?.status()).toBe(200);
      // The dashboard's React app loads its bundle and its API with the session cookie alone.
      await page.getByText('volume-resize').first().waitFor({ timeout: 30_000 });
      expect(failed).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'npm-start-queues.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('the CLI in a second terminal reads the Redis npm start runs, and says so', async () => {
    const alert = {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'n1' },
      annotations: {},
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f00d000000000001',
    };
    const res = await fetch(`${app.base}/hooks/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: 'g',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'alertworks',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: '',
        alerts: [alert],
      }),
    });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const { stdout, stderr } = await waitFor(
      'the notify job counted by the CLI',
      async () => {
        const out = await exec(process.execPath, ['bin/alertworks.js', 'queues', '--json'], {
          cwd: clone.dir,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
        });
        const counts = JSON.parse(out.stdout) as Record<string, Record<string, number>>;
        return (counts.notify?.completed ?? 0) + (counts.notify?.waiting ?? 0) + (counts.notify?.active ?? 0) >= 1 ? out : undefined;
      },
      30_000,
      500,
    );
    expect(stderr).toContain(`reading Redis at redis://127.0.0.1:${app.redisPort} (from .data/redis-url, written by npm start)`);
    expect(JSON.parse(stdout)).toHaveProperty('volume-resize');
  });

  it('a second npm start on the same Redis port refuses before "started Redis"', async () => {
    const second = await exec('bash', ['scripts/start.sh'], {
      cwd: clone.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ALERTWORKS_REDIS_PORT: String(app.redisPort), PORT: '1' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${app.redisPort} on 127.0.0.1 is already in use`);
    expect(second.stderr).not.toContain('started Redis');
    // The first run's record of its Redis is untouched.
    expect(existsSync(join(clone.dir, '.data/redis-url'))).toBe(true);
  });

  it('kill -TERM of npm stops alertworks, then its Redis, and leaves the checkout clean', async () => {
    app.proc.kill('SIGTERM');
    await waitFor('alertworks and its Redis to stop', async () => !(await portOpen(app.port)) && !(await portOpen(app.redisPort)), 60_000, 200);
    await waitFor('Redis to say goodbye', () => app.stdout.includes('Redis is now ready to exit'), 10_000, 100);
    const stopped = app.stdout.indexOf('"msg":"stopped"');
    expect(stopped).toBeGreaterThan(0);
    expect(app.stdout.indexOf('Redis is now ready to exit')).toBeGreaterThan(stopped);
    // start.sh removes the URL file once it has seen its Redis exit (it polls every 0.1 s),
    // i.e. after the port closed and the goodbye line: look once the script has exited.
    await waitFor('npm start to exit', () => app.proc.exitCode !== null || app.proc.signalCode !== null, 30_000, 100);
    expect(existsSync(join(clone.dir, '.data/redis-url'))).toBe(false);
    expect(clone.status()).toBe('');
  });

  it('Ctrl-C in the terminal: alertworks stops gracefully (once), then its Redis', async () => {
    const again = await NpmStart.start(clone.dir, {}, true);
    try {
      again.ctrlC();
      await waitFor('alertworks and its Redis to stop', async () => !(await portOpen(again.port)) && !(await portOpen(again.redisPort)), 60_000, 200);
      await waitFor('Redis to say goodbye', () => again.stdout.includes('Redis is now ready to exit'), 10_000, 100);
      const stopped = again.stdout.indexOf('"msg":"stopped"');
      // On failure, what npm start printed last: was "stopped" late, or did a second signal cut it?
      expect(stopped, `${again.stdout.slice(-4_000)}\n--- stderr ---\n${again.stderr.slice(-2_000)}`).toBeGreaterThan(0);
      expect(again.stdout.indexOf('Redis is now ready to exit')).toBeGreaterThan(stopped);
      // The terminal's SIGINT and start.sh's SIGTERM both arrive: the second does not cut the shutdown short.
      expect(again.stdout).not.toContain('stopping now');
      expect(clone.status()).toBe('');
    } finally {
      await again.stop('SIGKILL');
    }
  });
});
