import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface NodeChild {
  proc: ChildProcess;
  /** Parsed JSON lines the child wrote on stdout that carry a `bench` field. */
  messages: Record<string, unknown>[];
  stderr(): string;
  waitFor(kind: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A TypeScript entry point run as its own node process (through tsx). Lines it prints as JSON
 * with a `bench` field are its messages to the harness (ready, results); other output is dropped.
 */
export interface StartNodeOptions {
  env?: Record<string, string>;
  /** node flags before the entry, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Send stdout to /dev/null (a service logging per request must not load the harness). */
  discardStdout?: boolean;
}

/** BENCH_NODE_FLAGS: node flags for the alertworks process under test (e.g. `--heap-growing-percent=0`, V8's default heap growth). */
export function productNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

/** node flags that write a V8 CPU profile into `dir` (a BENCH_*_CPU_PROF setting); none without one. */
export function cpuProfileFlags(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export function startNode(entry: string, args: string[], options: StartNodeOptions = {}): NodeChild {
  const proc = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', ...options.env },
    stdio: ['ignore', options.discardStdout ? 'ignore' : 'pipe', 'pipe'],
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: { kind: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stdout?.on('data', (b: Buffer) => {
    buffer += b.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{"bench"')) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      messages.push(msg);
      for (const w of waiters.filter((w) => w.kind === msg.bench)) w.resolve(msg);
    }
  });
  proc.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    messages,
    stderr: () => stderr,
    waitFor(kind, timeoutMs = 60_000) {
      const have = messages.find((m) => m.bench === kind);
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${entry}: no "${kind}" message after ${timeoutMs}ms; stderr: ${stderr}`)), timeoutMs);
        proc.once('exit', (code) => reject(new Error(`${entry} exited ${code} before "${kind}": ${stderr}`)));
        waiters.push({ kind, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Prints one message to the harness (see startNode). */
export function tell(kind: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: kind, ...data })}\n`);
}

/** Waits for the harness's SIGUSR2 ("start measuring now"); a pending signal alone keeps no process alive. */
export function startSignal(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  return new Promise((resolve) =>
    process.once('SIGUSR2', () => {
      clearInterval(keepAlive);
      resolve();
    }),
  );
}

/**
 * The prober side of a CPU comparison: checks one probe works, says ready, waits for the
 * start signal, then runs an open-model load — one probe every 1/rate s, whether or not
 * earlier ones have finished — for `seconds`, and reports the counts.
 */
export async function runPacedProbes(probe: () => Promise<boolean>, rate: number, seconds: number, what: string): Promise<void> {
  if (!(await probe())) throw new Error(`${what}: the first probe failed`);
  // Listen before saying ready: on a busy machine the signal can arrive before the next line runs.
  const go = startSignal();
  tell('ready');
  await go;
  let ok = 0;
  let failed = 0;
  const pending: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      probe().then(
        (s) => void (s ? ok++ : failed++),
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  tell('result', { ok, failed, seconds: (Date.now() - started) / 1000 });
}
