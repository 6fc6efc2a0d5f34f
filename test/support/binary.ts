import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './ports.js';

/**
 * A real server binary (Prometheus, Alertmanager, Pushgateway) started by a test on loopback,
 * with its own temp directory, waited for until its ready URL answers, and stopped at the end.
 */
export class ManagedBinary {
  private proc?: ChildProcess;
  readonly output: string[] = [];
  readonly dir: string;

  constructor(
    readonly command: string,
    private readonly args: (dir: string) => string[],
    private readonly readyUrl: string,
    name: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `aw-${name}-`));
  }

  async start(timeoutMs = 30_000): Promise<void> {
    this.proc = spawn(this.command, this.args(this.dir), { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 200) this.output.shift();
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    const proc = this.proc;
    try {
      await waitFor(
        `${this.command} ready at ${this.readyUrl}`,
        async () => {
          if (proc.exitCode !== null) throw new Error(`${this.command} exited with ${proc.exitCode}: ${this.output.join('').slice(-2000)}`);
          const res = await fetch(this.readyUrl);
          return res.ok;
        },
        timeoutMs,
        100,
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      });
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
