/**
 * `npm run demo`: alertworks on this machine in one command, for a first look.
 * Brings up a private Redis, alertworks (role all, in this process) and local STAND-INS for
 * Slack, Hetzner Cloud and GitHub (they are not the real services; everything they do is
 * printed with a "[stand-in ...]" label), then plays three flows within a minute:
 *   1. Alertmanager fires VolumeUsageCritical -> the volume is resized (stand-in Hetzner),
 *      the filesystem workflow is dispatched and a Terraform PR opened (stand-in GitHub),
 *      everything reported in a Slack thread (stand-in Slack);
 *   2. a check of a failing HTTP endpoint goes DOWN;
 *   3. a certificate that expires in 5 days is reported.
 * Then it says where to look and runs until Ctrl-C, which stops everything and removes its
 * temporary files. `--exit-after-flows` stops after the flows (used by the test).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGitHubStandIn, startHetznerStandIn, startSlackStandIn } from './demo/stand-ins.js';
import { startTargets } from './demo/targets.js';
import { demoConfigYaml, type DemoFeatures } from './demo/demo-config.js';
import { playFlows } from './demo/flows.js';

// alertworks' own log lines would drown the story; LOG_LEVEL=info shows them.
process.env.LOG_LEVEL ??= 'error';
const { values } = parseArgs({ options: { 'exit-after-flows': { type: 'boolean' }, timeout: { type: 'string', default: '60' } } });
const print = (line: string) => process.stdout.write(`${line}\n`);

const cleanups: { what: string; run: () => Promise<unknown> | unknown }[] = [];
let stopping: Promise<void> | undefined;
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    print(`\n[demo] ${reason}: stopping ...`);
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
        print(`[demo]   stopped ${c.what}`);
      } catch (err) {
        print(`[demo]   could not stop ${c.what}: ${(err as Error).message}`);
      }
    }
    print('[demo] everything stopped, temporary files removed.');
  })();
  return stopping;
}
process.on('SIGINT', () => void shutdown('Ctrl-C').then(() => process.exit(0)));
process.on('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));

async function main(): Promise<number> {
  if (spawnSync('redis-server', ['--version']).error) {
    print('[demo] redis-server is not installed. On Debian/Ubuntu: sudo apt-get install -y redis-server');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'alertworks-demo-'));
  cleanups.push({ what: `temporary directory ${dir}`, run: () => rmSync(dir, { recursive: true, force: true }) });

  // Imported after LOG_LEVEL is set: the logger reads it once.
  const { RedisServer } = await import('../test/support/redis-server.js');
  const { parseConfig } = await import('../src/config/load.js');
  const { run } = await import('../src/main.js');
  const { actions } = await import('../actions/registry.js');
  const { checkTypes } = await import('../checks/registry.js');
  const { registry } = await import('../src/observability/metrics.js');

  print('[demo] alertworks demo. Nothing here talks to the internet: Slack, Hetzner Cloud and GitHub are');
  print('[demo] local STAND-INS that print what they are asked to do, labelled "[stand-in ...]".\n');

  const redis = await RedisServer.start();
  cleanups.push({ what: `Redis (127.0.0.1:${redis.port})`, run: () => redis.destroy() });
  print(`[demo] private Redis on ${redis.url}`);

  const slack = await startSlackStandIn(print);
  cleanups.push({ what: 'stand-in Slack', run: () => slack.close() });
  const hetzner = await startHetznerStandIn(print, [{ id: 4711, name: 'data', size: 40 }]);
  cleanups.push({ what: 'stand-in Hetzner Cloud API', run: () => hetzner.close() });
  const terraform = 'resource "hcloud_volume" "data" {\n  name     = "data"\n  size     = 40\n  location = "fsn1"\n}\n';
  const github = await startGitHubStandIn(print, 'acme/infra', { 'terraform/volumes.tf': terraform }, ['volume-resize.yml']);
  cleanups.push({ what: 'stand-in GitHub API', run: () => github.close() });
  const targets = await startTargets(5);
  cleanups.push({ what: 'stand-in targets (failing API, expiring certificate)', run: () => targets.close() });
  print(`[demo] ${slack.label} ${slack.url}   ${hetzner.label} ${hetzner.url}   ${github.label} ${github.url}`);
  print(
    `[demo] [stand-in service] failing health endpoint ${targets.healthUrl}, TLS site ${targets.tlsTarget} (certificate expires ${targets.certNotAfter.toISOString().slice(0, 10)})`,
  );

  // Checks only run in a build with the check runner (it registers alertworks_check_up).
  const checksRun = registry.getSingleMetric('alertworks_check_up') !== undefined;
  const features: DemoFeatures = {
    volumeResize: actions.some((a) => a.name === 'volume-resize'),
    httpCheck: checksRun && checkTypes.some((t) => t.type === 'http'),
    tlsCheck: checksRun && checkTypes.some((t) => t.type === 'tls'),
    tlsVerify: actions.some((a) => a.name === 'tls-verify'),
  };
  const token = randomBytes(16).toString('hex');
  const password = randomBytes(6).toString('hex');
  const caFile = join(dir, 'shop-demo-ca.pem');
  writeFileSync(caFile, targets.certPem);
  const yaml = demoConfigYaml({ caFile, features, redisUrl: redis.url, token, password, slack, hetzner, github, targets });
  const configFile = join(dir, 'alertworks.yaml');
  writeFileSync(configFile, yaml, { mode: 0o600 });
  const config = parseConfig(yaml, configFile, {});
  const service = await run({ role: 'all', config, env: {} });
  cleanups.push({ what: 'alertworks', run: () => service.stop() });
  const base = `http://127.0.0.1:${service.port}`;
  print(`[demo] alertworks (role all) on ${base}, config ${configFile}\n`);

  const timeoutMs = Number(values.timeout) * 1000;
  const results = await playFlows({ base, token, features, slack, hetzner, print, timeoutMs, isStopping: () => stopping !== undefined });

  print('\n[demo] summary');
  for (const r of results) print(`[demo]   ${r.status === 'ok' ? 'OK     ' : r.status === 'skipped' ? 'SKIPPED' : 'FAILED '} ${r.name}: ${r.detail}`);
  print(`\n[demo] where to look (browser login: user demo, password ${password}):`);
  print(`[demo]   status page    ${base}/status`);
  print(`[demo]   queues         ${base}/admin/queues`);
  print(`[demo]   metrics        ${base}/metrics   (no login, as Prometheus scrapes it)`);
  print(`[demo]   with curl      curl -H "Authorization: Bearer ${token}" ${base}/status`);
  print(`[demo]   CLI            REDIS_URL=${redis.url} npx tsx src/cli.ts queues`);

  const failed = results.some((r) => r.status === 'failed');
  if (values['exit-after-flows']) {
    await shutdown('flows done (--exit-after-flows)');
    return failed ? 1 : 0;
  }
  print('\n[demo] running. Press Ctrl-C to stop everything and remove the temporary files.');
  await new Promise(() => undefined);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  async (err: unknown) => {
    print(`[demo] failed: ${(err as Error).message ?? String(err)}`);
    await shutdown('error');
    process.exit(1);
  },
);
