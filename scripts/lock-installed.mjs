// Exit 0 when node_modules holds every package package-lock.json names, at the locked version;
// 1 otherwise (scripts/ensure-deps.sh then runs `npm ci`). Optional packages may be absent
// (msgpackr-extract's binaries for other platforms); devDependencies too under NODE_ENV=production.
import { existsSync, readFileSync } from 'node:fs';

try {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const manifest = `${path}/package.json`;
    if (!existsSync(manifest)) {
      if (entry.optional || (entry.dev && process.env.NODE_ENV === 'production')) continue;
      process.stderr.write(`alertworks: ${path} is not installed\n`);
      process.exit(1);
    }
    const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (entry.version && version !== entry.version) {
      process.stderr.write(`alertworks: ${path} is ${version}, package-lock.json says ${entry.version}\n`);
      process.exit(1);
    }
  }
} catch (err) {
  process.stderr.write(`alertworks: cannot compare node_modules with package-lock.json: ${err.message}\n`);
  process.exit(1);
}
