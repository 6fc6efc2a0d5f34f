import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from './ports.js';

/**
 * `npm start` run as an operator runs it (the real npm, scripts/start.sh, its private Redis),
 * in `dir`, on free ports, with no WEBHOOK_TOKEN (so it generates one and prints it). Output is
 * kept: stdout (JSON log lines, Redis' own lines) and stderr (the human lines).
 */
export class NpmStart {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly redisPort: number,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** `terminal`: its own process group, as in a shell, so `ctrlC()` reaches every process in it. */
  static async start(dir: string, env: Record<string, string> = {}, terminal = false): Promise<NpmStart> {
    const [port, redisPort] = [await freePort(), await freePort()];
    const proc = spawn('npm', ['start'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PORT: String(port),
        ALERTWORKS_REDIS_PORT: String(redisPort),
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: terminal,
    });
    const run = new NpmStart(proc, port, redisPort);
    await waitFor(
      'npm start: workers started',
      () => {
        if (proc.exitCode !== null) throw new Error(`npm start exited ${proc.exitCode}: ${run.stderr}`);
        return run.stdout.includes('"msg":"workers started"');
      },
      90_000,
      200,
    );
    return run;
  }

  /** The token start.sh generated and printed. */
  get token(): string {
    const token = /this run accepts: (\S+)/.exec(this.stderr)?.[1];
    if (!token) throw new Error(`no generated token in: ${this.stderr}`);
    return token;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What a terminal does on Ctrl-C: SIGINT to the whole foreground process group. */
  ctrlC(): void {
    if (this.proc.pid !== undefined) process.kill(-this.proc.pid, 'SIGINT');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
