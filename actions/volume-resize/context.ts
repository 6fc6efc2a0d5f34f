import type { HetznerClient } from '../../src/hetzner/client.js';
import type { GitHubOps } from '../../src/github/client.js';
import type { IncidentThreads } from '../../src/notify/threads.js';
import type { Logger } from '../../src/observability/logger.js';
import type { AlertJobData } from '../../src/action.js';
import type { ResizeGuards } from './guards.js';
import type { VolumeResizeSettings, VolumePolicy } from './settings.js';
import type { VolumeResizeState } from './state.js';
import type { VolumeLookup } from './identify.js';

/** What the volume-resize steps share, built once per worker process. */
export interface ResizeDeps {
  settings: VolumeResizeSettings;
  hetzner: HetznerClient;
  /** Absent without GITHUB_TOKEN: the filesystem and Terraform steps say what to do instead. */
  github?: GitHubOps;
  state: VolumeResizeState;
  /** Matches alert references to allowlist entries (API calls, cached). */
  lookup: VolumeLookup;
  threads: IncidentThreads;
  logger: Logger;
  /** Global DRY_RUN / config.dryRun. */
  globalDryRun: boolean;
  /** Where the global dry run was decided (config.dryRunSource), named in dry-run messages. */
  dryRunSource?: string;
  /** Silence check and approvals; absent: neither. */
  guards?: ResizeGuards;
}

/** One allowlisted volume being handled by one job. */
export interface VolumeJob {
  id: number;
  name: string;
  /** Metric label: the volume's configured name, else its id (bounded by the allowlist). */
  label: string;
  policy: VolumePolicy;
  incident: string;
  jobId: string;
  dedupKey: string;
  labels: Readonly<Record<string, string>>;
  /** The job's data (for an approval request, which queues it again once approved). */
  data: AlertJobData;
}
