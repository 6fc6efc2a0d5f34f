import { readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux (getconf CLK_TCK); the kernel reports stat times in these ticks.

/** utime+stime of a process from /proc/<pid>/stat, in seconds (children not included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parens: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** Resident set size of a process, in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s*(\d+)\s*kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}
