#!/usr/bin/env node
// In a checkout (src/ present) runs the TypeScript sources through tsx, so what runs is what
// was tested; in the production image (only dist/, or NODE_ENV=production) runs the compiled JS.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli.ts');
const compiled = join(root, 'dist', 'src', 'cli.js');
const useCompiled = existsSync(compiled) && (!existsSync(source) || process.env.NODE_ENV === 'production');
if (useCompiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
