/**
 * `npm run stand-ins`: the Slack, Hetzner Cloud and GitHub stand-ins the demo uses, on their
 * own, so an operator can point a real `npm start` at them and try real alert flows before
 * touching real accounts. They are local servers that follow the real APIs (test/fakes/*), NOT
 * the real services; every call they answer is printed with a "[stand-in ...]" label.
 * Prints the environment to give alertworks, then runs until Ctrl-C (or SIGTERM).
 *   npm run stand-ins                       volume 4711 "data" (40 GB), repo acme/infra
 *   npm run stand-ins -- --volume 7:logs:20 another volume (id:name:GB), repeatable
 */
import { parseArgs } from 'node:util';
import { startGitHubStandIn, startHetznerStandIn, startSlackStandIn, type StandIn } from './demo/stand-ins.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const { values } = parseArgs({ options: { volume: { type: 'string', multiple: true } }, strict: true });

function volumes(): { id: number; name: string; size: number }[] {
  const given = values.volume ?? ['4711:data:40'];
  return given.map((v) => {
    const m = /^(\d+):([\w.-]+):(\d+)$/.exec(v);
    if (!m) throw new Error(`--volume ${v}: expected id:name:GB, e.g. 4711:data:40`);
    return { id: Number(m[1]), name: m[2] ?? '', size: Number(m[3]) };
  });
}

async function main(): Promise<void> {
  const vols = volumes();
  const running: StandIn[] = [];
  const stop = async (why: string) => {
    print(`\n[stand-ins] ${why}: stopping`);
    for (const s of running.reverse()) await s.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const slack = await startSlackStandIn(print);
  running.push(slack);
  const hetzner = await startHetznerStandIn(print, vols);
  running.push(hetzner);
  const terraform = vols
    .map((v) => `resource "hcloud_volume" "${v.name}" {\n  name     = "${v.name}"\n  size     = ${v.size}\n  location = "fsn1"\n}\n`)
    .join('\n');
  const github = await startGitHubStandIn(print, 'acme/infra', { 'terraform/volumes.tf': terraform }, ['volume-resize.yml']);
  running.push(github);

  print('[stand-ins] local STAND-INS for Slack, Hetzner Cloud and GitHub are running (not the real services).');
  print('[stand-ins] Start alertworks against them, in another terminal:\n');
  print(`export SLACK_API_URL=${slack.url}`);
  print(`export SLACK_BOT_TOKEN=${slack.token}`);
  print('export SLACK_CHANNEL=#ops');
  print(`export HCLOUD_ENDPOINT=${hetzner.url}`);
  print(`export HCLOUD_TOKEN=${hetzner.token}`);
  print(`export GITHUB_API_URL=${github.url}`);
  print(`export GITHUB_TOKEN=${github.token}`);
  print('export DRY_RUN=false');
  print('npm start\n');
  print('[stand-ins] and allow the volumes in config/alertworks.yaml (volumeResize.volumes):');
  for (const v of vols) {
    print(
      `  - { id: ${v.id}, name: ${v.name}, filesystem: { workflow: { repo: acme/infra, workflow: volume-resize.yml } }, terraform: { repo: acme/infra, path: terraform/volumes.tf, resource: hcloud_volume.${v.name} } }`,
    );
  }
  print(`[stand-ins] then fire VolumeUsageCritical with label volume_id=${vols[0]?.id ?? 4711} at alertworks (Alertmanager, or curl to /hooks/alertmanager).`);
  print('[stand-ins] Every call the stand-ins answer is printed below. Ctrl-C stops them.\n');
  await new Promise(() => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`[stand-ins] failed: ${(err as Error).message}\n`);
  process.exit(1);
});
