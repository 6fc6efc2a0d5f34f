import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkRunCommand } from '../../src/cli/check-run.js';
import { ScriptedServer } from '../support/check-targets.js';

let target: ScriptedServer;
let configPath: string;

beforeAll(async () => {
  target = await ScriptedServer.start();
  configPath = join(mkdtempSync(join(tmpdir(), 'aw-cli-')), 'alertworks.yaml');
  writeFileSync(
    configPath,
    `checks:\n  - { name: api, type: http, url: "${target.url('/health')}", expect: { status: [200] } }\n  - { name: llm, type: openai, apiKey: "sk-cli-secret-abcdefghijklmnop", endpoint: "${target.url('/v1')}" }\n`,
  );
});
afterAll(() => target.stop());

async function runCli(args: string[], json = false): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await checkRunCommand.run({ args, configPath, json, env: process.env, redisFrom: 'REDIS_URL' });
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('alertworks check run <name>', () => {
  it('prints the result and its phases; exit 0 on success', async () => {
    target.respond(200, 'ok');
    const r = await runCli(['api']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^api \(http\): OK\n {2}status: {3}200\n {2}duration: [\d.]+ms\n {2}phases: {3}dns [\d.]+ms, connect [\d.]+ms, processing [\d.]+ms, transfer [\d.]+ms\n$/,
    );
  });

  it('exit 1 with the reason on failure; --json; no key in the output', async () => {
    target.respond(401, { error: { message: 'invalid key' } });
    const r = await runCli(['llm'], true);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(parsed).toMatchObject({ check: 'llm', type: 'openai', success: false, failureReason: 'http_status', statusCode: 401 });
    expect(r.out).not.toContain('sk-cli-secret');
  });

  it('exit 2 for an unknown check', async () => {
    const r = await runCli(['nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no check named "nope" (configured: api, llm)');
  });
});
