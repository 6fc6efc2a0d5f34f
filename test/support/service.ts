import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServiceOptions {
  /** Config file contents (YAML). */
  config: string;
  role?: 'serve' | 'work' | 'all';
  env?: Record<string, string>;
  insecureNoAuth?: boolean;
  /** Port for serve/all; a free one by default. */
  port?: number;
}

/**
 * alertworks as a real child process (`alertworks <role> --config FILE`), as an operator runs
 * it, so tests can SIGKILL or SIGTERM it. Its JSON log lines are kept for assertions.
 */
export class ServiceProcess {
  readonly logs: Record<string, unknown>[] = [];
  private stderr = '';
  private exit?: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    this.exit = new Promise((r) => proc.once('exit', (code) => r(code)));
    let buffer = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ raw: line });
        }
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
  }

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const role = options.role ?? 'all';
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'aw-svc-'));
    const configFile = join(dir, 'alertworks.yaml');
    writeFileSync(configFile, options.config);
    const args = ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), role, '--config', configFile];
    if (options.insecureNoAuth) args.push('--insecure-no-auth');
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', PORT: String(port), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(proc, port, dir);
    try {
      await service.ready(role);
    } catch (err) {
      // Not returned, so no afterAll will stop it: an orphan would keep running (and polling
      // Redis) after the suite, as two did for 45 minutes after a start-up time-out.
      proc.kill('SIGKILL');
      throw err;
    }
    return service;
  }

  private async ready(role: string): Promise<void> {
    await waitFor(
      'alertworks to start',
      async () => {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null)
          throw new Error(`alertworks exited ${this.proc.exitCode ?? this.proc.signalCode}: ${this.stderr}`);
        if (role !== 'work') {
          const res = await fetch(`http://127.0.0.1:${this.port}/healthz`).catch(() => undefined);
          if (!res?.ok) return false;
        }
        return role === 'serve' || this.logs.some((l) => l.msg === 'workers started');
      },
      // A hang detector, not a speed test: tsx compiling the sources takes 30 s and more on a
      // 2-core machine running the other suites (seen at load average 17).
      60_000,
      100,
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The config file it was started with (rewrite it, then SIGHUP, to test a reload). */
  get configFile(): string {
    return join(this.dir, 'alertworks.yaml');
  }

  get errorOutput(): string {
    return this.stderr;
  }

  /** Resolves with the exit code. SIGKILL simulates a crash; SIGTERM a graceful stop. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 40_000): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const code = await this.exit;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
    return code ?? null;
  }

  logsWith(msg: string): Record<string, unknown>[] {
    return this.logs.filter((l) => l.msg === msg);
  }
}
