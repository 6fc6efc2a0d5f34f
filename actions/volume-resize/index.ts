import { GitHubOps } from '../../src/github/client.js';
import { githubCredentialsSchema } from '../../src/github/settings.js';
import { HetznerClient } from '../../src/hetzner/client.js';
import { hetznerCredentialsSchema } from '../../src/hetzner/settings.js';
import { threadsWithAlertContext } from '../../src/notify/alert-context.js';
import { defineAction } from '../../src/action.js';
import { IncidentControls } from '../../src/slack/incident-controls.js';
import { AlertThreads } from './alert-threads.js';
import { createResizeGuards } from './guards.js';
import { processVolumeAlert } from './processor.js';
import { volumeResizeSettingsSchema } from './settings.js';
import { VolumeResizeState } from './state.js';
import { CachedVolumeLookup } from './volume-lookup.js';

/**
 * Grows a Hetzner Cloud volume when `VolumeUsageCritical` fires: by a step, never past the cap,
 * once per cooldown, inside an hourly budget; then grows the filesystem (workflow_dispatch)
 * and opens the Terraform drift PR. Resolved alerts close the volume's Slack thread.
 */
export const volumeResizeAction = defineAction({
  name: 'volume-resize',
  description: 'Grow an allowlisted Hetzner Cloud volume, its filesystem and its Terraform size.',
  settings: { key: 'volumeResize', schema: volumeResizeSettingsSchema },
  credentials: { hetzner: hetznerCredentialsSchema, github: githubCredentialsSchema },
  defaultRoutes: [{ match: { alertname: 'VolumeUsageCritical' }, status: 'any' }],
  create({ config, settings, credentials, redis, threads, notifier, logger }) {
    const hetzner = new HetznerClient({ token: credentials.hetzner.token, endpoint: credentials.hetzner.endpoint });
    const token = credentials.github.token;
    const github = token ? new GitHubOps({ token, apiUrl: credentials.github.apiUrl }) : undefined;
    const deps = {
      settings,
      hetzner,
      lookup: new CachedVolumeLookup(hetzner),
      github,
      state: new VolumeResizeState(redis, config.redis.prefix),
      threads,
      logger: logger.child({ action: 'volume-resize' }),
      globalDryRun: config.dryRun,
      dryRunSource: config.dryRunSource,
      guards: createResizeGuards({ config, redis, logger: logger.child({ action: 'volume-resize' }) }),
    };
    const controls = IncidentControls.fromConfig(config, redis);
    return (job) => {
      // With interactivity on, the thread an alert opens offers Silence and Acknowledge.
      const base =
        controls && job.data.alert.status === 'firing' ? new AlertThreads(redis, notifier, config.redis.prefix, controls, job.data.alert.labels) : threads;
      // Every message a job says in a thread carries its alert's links and values.
      return processVolumeAlert({ ...deps, threads: threadsWithAlertContext(base, job.data.alert, job.data.externalURL) }, job);
    };
  },
});
