/**
 * The parts of the Hetzner Cloud API (https://docs.hetzner.cloud) that volume resizing
 * uses, typed as the API documents them. Fields we never read are left out.
 */

export type VolumeStatus = 'creating' | 'available';

export interface Volume {
  id: number;
  name: string;
  /** Size in GB (the API's unit; 10..10240). */
  size: number;
  /** Device path on the server, e.g. /dev/disk/by-id/scsi-0HC_Volume_4711. */
  linux_device: string;
  status: VolumeStatus | string;
  /** Id of the server the volume is attached to, or null. */
  server: number | null;
  location: { name: string; [field: string]: unknown };
  labels: Record<string, string>;
  created: string;
  format?: string | null;
  protection?: { delete: boolean };
}

export type ActionStatus = 'running' | 'success' | 'error';

export interface HetznerAction {
  id: number;
  command: string;
  status: ActionStatus;
  /** 0..100 */
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

export interface Pagination {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number | null;
  total_entries: number | null;
}

export interface ListMeta {
  pagination: Pagination;
}

/** The API's error body: `{ "error": { "code", "message", "details" } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
