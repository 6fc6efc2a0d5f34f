import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/**
 * A minimal glob (Node 20 has no fs.glob): `*` and `?` inside one path segment, `**` for any
 * number of directories. Patterns without magic are returned as they are (a missing file is
 * then reported by the reader, not silently dropped). Results are sorted, absolute paths.
 */
export async function expandGlob(pattern: string, cwd = process.cwd()): Promise<string[]> {
  const absolute = resolve(cwd, pattern);
  const parts = absolute.split(sep);
  const firstMagic = parts.findIndex(hasMagic);
  if (firstMagic === -1) return [absolute];
  const base = parts.slice(0, firstMagic).join(sep) || sep;
  const found: string[] = [];
  await walk(base, parts.slice(firstMagic), found);
  return [...new Set(found)].sort();
}

function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Turns one segment pattern into an anchored regex; dot files only match an explicit dot. */
function segmentRegex(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${re}$`);
}

async function walk(dir: string, rest: string[], found: string[]): Promise<void> {
  const [head, ...tail] = rest;
  if (head === undefined) {
    found.push(dir);
    return;
  }
  if (head === '**') {
    await walk(dir, tail, found); // zero directories
    for (const entry of await entries(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(join(dir, entry.name), rest, found);
    }
    return;
  }
  if (!hasMagic(head)) {
    if (tail.length === 0) {
      if ((await entries(dir)).some((e) => e.name === head)) found.push(join(dir, head));
      return;
    }
    await walk(join(dir, head), tail, found);
    return;
  }
  const re = segmentRegex(head);
  for (const entry of await entries(dir)) {
    if (!re.test(entry.name)) continue;
    if (tail.length === 0) {
      if (entry.isFile() || entry.isSymbolicLink()) found.push(join(dir, entry.name));
    } else if (entry.isDirectory()) {
      await walk(join(dir, entry.name), tail, found);
    }
  }
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
