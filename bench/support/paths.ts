import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/support/ -> ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
