import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Facts about the machine a figure was taken on, printed with every benchmark. */
export function machineFacts(): Record<string, string> {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const load = safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' ');
  const memTotal = /MemTotal:\s*(\d+)/.exec(safeRead('/proc/meminfo'))?.[1];
  return {
    nproc: String(cpus().length),
    cpu: model.trim(),
    memory: memTotal ? `${Math.round(Number(memTotal) / 1024)} MiB` : 'unknown',
    node: process.version,
    'load average (1/5/15 min)': load || 'unknown',
    date: new Date().toISOString(),
  };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** p in [0, 100] of an unsorted sample (nearest-rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : 'n/a';
}

/** A plain-text table with aligned columns (also valid Markdown). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export function targetsTable(targets: readonly Target[]): string {
  return table(
    ['target', 'goal', 'measured', 'verdict'],
    targets.map((t) => [t.name, t.goal, t.measured, t.met === undefined ? 'not measured' : t.met ? 'MET' : 'MISSED']),
  );
}

export function printHeader(title: string): void {
  process.stdout.write(`\n## ${title}\n\n`);
  process.stdout.write(`${table(['machine', ''], Object.entries(machineFacts()))}\n\n`);
  process.stdout.write('Figures from a shared or busy machine are noisy: compare the ratios, re-measure absolute figures on a quiet one.\n\n');
}

/** Seconds per figure: BENCH_SECONDS (default 5) keeps `npm run bench` to a few minutes. */
export function figureSeconds(): number {
  const s = Number(process.env.BENCH_SECONDS ?? 5);
  return Number.isFinite(s) && s > 0 ? s : 5;
}
