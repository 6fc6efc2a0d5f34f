import type { RedisClient } from '../redis.js';

/** What the status page shows about one volume; written by the resize action. */
export interface VolumeStatus {
  /** Last size seen (GB). */
  sizeGb: number;
  /** Set when this record is a finished resize. */
  lastResize?: { at: number; fromGb: number; toGb: number };
}

export function volumeStatusKey(prefix: string, volumeId: number | string): string {
  return `${prefix}:volume:${volumeId}`;
}

/**
 * Records a volume's size (and a finished resize) for the /status page. Kept without expiry:
 * one small hash per allowlisted volume. Safe to repeat (a retried job writes the same values).
 */
export async function recordVolumeStatus(redis: RedisClient, prefix: string, volumeId: number | string, status: VolumeStatus): Promise<void> {
  const fields: Record<string, string> = { sizeGb: String(status.sizeGb), seenAt: String(Date.now()) };
  if (status.lastResize) {
    fields.lastResizeAt = String(status.lastResize.at);
    fields.lastResizeFromGb = String(status.lastResize.fromGb);
    fields.lastResizeToGb = String(status.lastResize.toGb);
  }
  await redis.hset(volumeStatusKey(prefix, volumeId), fields);
}
