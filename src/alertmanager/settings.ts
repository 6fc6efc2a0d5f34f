import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { fromEnv, secret } from '../config/field-marks.js';

/**
 * `alertmanager:` — the Alertmanager (or Grafana's built-in one) asked whether an alert is
 * silenced before an action changes infrastructure, and where Slack's Silence button creates
 * silences. Without a url there is no silence check and no Silence button.
 */
export const alertmanagerSchema = z
  .strictObject({
    /** Base URL, e.g. http://alertmanager:9093 or https://grafana.example.com. Env: ALERTMANAGER_URL. */
    url: fromEnv(
      z
        .union([z.literal(''), z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL, e.g. http://alertmanager:9093')])
        .optional()
        .transform((v) => v || undefined),
      'ALERTMANAGER_URL',
    ),
    /** Path before /api/v2; `/api/alertmanager/grafana` for Grafana's built-in Alertmanager. @defaultValue '' */
    apiPrefix: z
      .string()
      .regex(/^(\/[\w.-]+)*$/, 'must be a path such as /api/alertmanager/grafana')
      .default(''),
    /** Bearer token (a Grafana service account token). */
    token: secret(z.string().optional()),
    /** Per-request time budget. @defaultValue 5s */
    timeout: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(5_000),
    /**
     * When Alertmanager cannot be asked: `act` (go ahead and say the check could not be made)
     * or `wait` (retry the job later, change nothing). @defaultValue act
     */
    onUnreachable: z.enum(['act', 'wait']).default('act'),
  })
  .prefault({});
