import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import type { SpoolConfig } from '../config/intake-schema.js';
import type { Logger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import type { WebhookSource } from '../server/webhook-payload.js';

/** One webhook body kept on disk while Redis was unreachable. */
export interface SpoolEntry {
  v: 1;
  source: WebhookSource;
  receivedAt: number;
  /** The raw body, already authenticated and validated. */
  body: string;
}

const spoolTotal = new Counter({
  name: 'alertworks_webhook_spool_total',
  help: 'Webhook bodies put into the local spool while Redis was unreachable, and what became of them (spooled, replayed, full, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const spoolFiles = new Gauge({
  name: 'alertworks_webhook_spool_files',
  help: 'Webhook bodies waiting in the local spool for Redis.',
  registers: [registry],
});

const ENTRY = /^\d{13}-\d{9}-\d+\.json$/;
/** A body that fails this often while Redis answers is set aside (renamed *.failed), not retried forever. */
const MAX_REPLAY_FAILURES = 5;

/** Where the spool lives by default: one directory per Redis and key prefix it feeds. */
export function defaultSpoolDir(redisUrl: string, prefix: string): string {
  return join(tmpdir(), 'alertworks-spool', createHash('sha256').update(`${redisUrl}\n${prefix}`).digest('hex').slice(0, 16));
}

/**
 * A bounded directory of webhook bodies, written durably (fsync, then rename) and replayed in
 * the order they arrived. Replaying is at-least-once: a body whose jobs were stored but whose
 * file could not be removed is stored again, and the jobs' dedup ids make that a no-op. This
 * module owns the directory; nothing else reads or writes it.
 */
export class WebhookSpool {
  private files = 0;
  private bytes = 0;
  private seq = 0;
  private replaying?: Promise<number>;
  private readonly failures = new Map<string, number>();
  /** Set at shutdown: the replayer stops. */
  closed = false;

  constructor(
    readonly dir: string,
    private readonly limits: Pick<SpoolConfig, 'maxBytes' | 'maxFiles'>,
    private readonly logger: Logger,
  ) {}

  /** Creates the directory, drops half-written files and counts what waits from an earlier run. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp')) await unlink(join(this.dir, name)).catch(() => undefined);
      else if (ENTRY.test(name)) {
        this.files++;
        this.bytes += (await stat(join(this.dir, name)).catch(() => ({ size: 0 }))).size;
      }
    }
    spoolFiles.set(this.files);
  }

  /** Stops replaying; `removeIfEmpty` drops the directory when nothing waits in it (the default one). */
  async close(options: { removeIfEmpty?: boolean } = {}): Promise<void> {
    this.closed = true;
    await this.replaying?.catch(() => undefined);
    if (options.removeIfEmpty && this.files === 0) await rmdir(this.dir).catch(() => undefined);
  }

  /** Bodies waiting to be replayed. */
  get pending(): number {
    return this.files;
  }

  /** Stores one body durably; false when the spool is full (the caller answers 503). */
  async store(entry: SpoolEntry): Promise<boolean> {
    const text = JSON.stringify(entry);
    const size = Buffer.byteLength(text);
    if (this.files + 1 > this.limits.maxFiles || this.bytes + size > this.limits.maxBytes) {
      spoolTotal.inc({ outcome: 'full' });
      return false;
    }
    this.files++;
    this.bytes += size;
    // Names sort in arrival order: the clock, a sequence, the pid (replicas sharing a directory).
    const name = `${String(entry.receivedAt).padStart(13, '0')}-${String(this.seq++ % 1_000_000_000).padStart(9, '0')}-${process.pid}.json`;
    const tmp = join(this.dir, `${name}.tmp`);
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(text);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(tmp, join(this.dir, name));
      await syncDir(this.dir);
    } catch (err) {
      this.files--;
      this.bytes -= size;
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    spoolFiles.set(this.files);
    spoolTotal.inc({ outcome: 'spooled' });
    return true;
  }

  /**
   * Hands every waiting body, oldest first, to `deliver`; a body is removed once it resolves.
   * Stops at the first failure while Redis is down (`redisReady` false): the rest keep their
   * order for the next round. One replay at a time per process. Returns bodies delivered.
   */
  replay(deliver: (entry: SpoolEntry) => Promise<void>, redisReady: () => boolean): Promise<number> {
    this.replaying ??= this.replayOnce(deliver, redisReady).finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  private async replayOnce(deliver: (entry: SpoolEntry) => Promise<void>, redisReady: () => boolean): Promise<number> {
    const names = (await readdir(this.dir)).filter((n) => ENTRY.test(n)).sort();
    let delivered = 0;
    for (const name of names) {
      const path = join(this.dir, name);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        continue; // Another replica sharing the directory took it.
      }
      let entry: SpoolEntry;
      try {
        entry = JSON.parse(text) as SpoolEntry;
        if (entry.v !== 1 || typeof entry.body !== 'string') throw new Error('unknown entry format');
      } catch (err) {
        await this.setAside(path, text.length, `unreadable: ${(err as Error).message}`);
        continue;
      }
      try {
        await deliver(entry);
      } catch (err) {
        if (!redisReady()) break;
        const failures = (this.failures.get(name) ?? 0) + 1;
        this.failures.set(name, failures);
        if (failures < MAX_REPLAY_FAILURES) break;
        await this.setAside(path, text.length, (err as Error).message);
        continue;
      }
      // Counted out before the file goes: once the file is gone the body must not still count as
      // waiting, or a delivery arriving in between queues behind a body that was replayed.
      this.failures.delete(name);
      this.forget(Buffer.byteLength(text));
      await unlink(path).catch(() => undefined);
      delivered++;
      spoolTotal.inc({ outcome: 'replayed' });
    }
    return delivered;
  }

  private async setAside(path: string, size: number, why: string): Promise<void> {
    await rename(path, `${path}.failed`).catch(() => undefined);
    this.forget(size);
    spoolTotal.inc({ outcome: 'failed' });
    this.logger.error({ file: `${path}.failed`, reason: why.slice(0, 300) }, 'spooled webhook could not be replayed; set aside for an operator');
  }

  private forget(size: number): void {
    this.files = Math.max(0, this.files - 1);
    this.bytes = Math.max(0, this.bytes - size);
    spoolFiles.set(this.files);
  }
}

/** fsync of the directory makes the rename itself durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the data file itself is synced.
  } finally {
    await handle.close();
  }
}
