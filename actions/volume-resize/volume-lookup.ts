import { PermanentError } from '../../src/errors.js';
import type { HetznerClient } from '../../src/hetzner/client.js';
import type { VolumeLookup } from './identify.js';

/** How long an answer (found or not found) is reused. */
const TTL_MS = 5 * 60_000;

interface Cached<T> {
  /** In flight or settled: concurrent jobs asking the same thing share one call. */
  value: Promise<T>;
  until: number;
}

/**
 * The API look-ups that match alerts to allowlist entries, cached per worker process, "no such
 * volume" included: alerts repeat (every group_interval, from every Alertmanager replica) and
 * each look-up spends the hourly API budget that real resizes need. Keys come from the config
 * (findAllowlisted never looks up a value from an alert), so the cache is as small as the
 * allowlist. Failed calls are not cached.
 */
export class CachedVolumeLookup implements VolumeLookup {
  private readonly names = new Map<number, Cached<string | undefined>>();
  private readonly ids = new Map<string, Cached<number | undefined>>();

  constructor(
    private readonly hetzner: Pick<HetznerClient, 'getVolume' | 'listVolumes'>,
    private readonly clock: () => number = Date.now,
    private readonly ttlMs = TTL_MS,
  ) {}

  nameOf(id: number): Promise<string | undefined> {
    return this.cached(this.names, id, async () => {
      try {
        return (await this.hetzner.getVolume(id)).name;
      } catch (err) {
        if (err instanceof PermanentError && err.code === 'hetzner_not_found') return undefined;
        throw err;
      }
    });
  }

  idOf(name: string): Promise<number | undefined> {
    return this.cached(this.ids, name, async () => (await this.hetzner.listVolumes({ name }))[0]?.id);
  }

  private cached<K, T>(map: Map<K, Cached<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const now = this.clock();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const entry: Cached<T> = { value: load(), until: now + this.ttlMs };
    map.set(key, entry);
    // A failed call is forgotten at once, so the next job asks again.
    entry.value.catch(() => {
      if (map.get(key) === entry) map.delete(key);
    });
    return entry.value;
  }
}
