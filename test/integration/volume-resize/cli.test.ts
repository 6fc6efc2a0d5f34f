import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { volumePlanCommand } from '../../../src/cli/volume-plan.js';
import { FakeHetzner } from '../../fakes/hetzner.js';

describe('alertworks volume plan', () => {
  let hetzner: FakeHetzner;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    hetzner = await FakeHetzner.start();
    hetzner.addVolume({ id: 401, name: 'data', size: 20 });
    hetzner.addVolume({ id: 402, name: 'big', size: 100 });
    hetzner.addVolume({ id: 403, name: 'stranger', size: 20 });
    dir = mkdtempSync(join(tmpdir(), 'aw-cli-'));
    configPath = join(dir, 'alertworks.yaml');
    writeFileSync(configPath, 'volumeResize:\n  volumes: [{ id: 401 }, { name: big, maxSizeGb: 100 }]\n');
    vi.stubEnv('HCLOUD_TOKEN', hetzner.token);
    vi.stubEnv('HCLOUD_ENDPOINT', hetzner.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
    await hetzner.stop();
  });

  async function plan(args: string[], json = false): Promise<{ code: number; out: string }> {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    try {
      const code = await volumePlanCommand.run({ args, configPath, json });
      return { code, out };
    } finally {
      spy.mockRestore();
    }
  }

  it.each([
    [['401'], 0, 'would grow 20 GB -> 30 GB'],
    [['big'], 0, 'at the cap (100 GB): no resize, outcome limit_reached'],
    [['403'], 3, 'not in volumeResize.volumes: an alert about it would be refused'],
  ])('%s -> exit %i, %s', async (args, code, text) => {
    const r = await plan(args);
    expect(r.code).toBe(code);
    expect(r.out).toContain(text);
  });

  it('prints JSON and makes no mutating call', async () => {
    const r = await plan(['401'], true);
    expect(JSON.parse(r.out)).toMatchObject({ allowlisted: true, plan: { kind: 'grow', fromGb: 20, toGb: 30, capGb: 100 } });
    expect(hetzner.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });
});
