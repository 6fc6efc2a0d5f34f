import { z } from 'zod';
import type { RefinementCtx } from 'zod';
import { durationMs } from '../config/duration.js';
import { secret } from '../config/field-marks.js';

/** Slack user ids (U…/W…) and user group ids (S…). */
const slackId = z.string().regex(/^[UWS][A-Z0-9]{2,20}$/, 'must be a Slack user id (U…/W…) or user group id (S…)');

/**
 * `slack.interactivity` — buttons in alertworks' messages (Approve/Reject, Silence, Expire,
 * Acknowledge). `http`: Slack posts clicks to /hooks/slack/interactions, signed with the
 * signing secret; `socket`: Socket Mode over the app-level token (no public ingress needed).
 */
const interactivitySchema = z
  .strictObject({
    /** @defaultValue http when SLACK_SIGNING_SECRET is set, socket when only SLACK_APP_TOKEN is, else off */
    mode: z.enum(['off', 'http', 'socket']).optional(),
    /** Durations offered as Silence buttons. @defaultValue [2h] */
    silenceDurations: z
      .array(durationMs.refine((ms) => ms >= 60_000 && ms <= 30 * 86_400_000, 'must be between 1m and 30d'))
      .min(1)
      .max(4)
      .default([7_200_000]),
  })
  .prefault({});

export const slackInteractionFields = {
  /** Request signing secret of the Slack app (HTTP mode). Env: SLACK_SIGNING_SECRET. */
  signingSecret: secret(z.string().optional(), { env: 'SLACK_SIGNING_SECRET' }),
  /** App-level token `xapp-…` with connections:write (Socket Mode). Env: SLACK_APP_TOKEN. */
  appToken: secret(z.string().optional(), { env: 'SLACK_APP_TOKEN' }),
  /** Who may approve or reject a waiting action: user ids and user group ids. @defaultValue [] (nobody) */
  approvers: z.array(slackId).default([]),
  interactivity: interactivitySchema,
};

export type InteractivityMode = 'off' | 'http' | 'socket';

/** The mode in force: explicit, else from which secret is configured. */
export function interactivityMode(slack: { signingSecret?: string; appToken?: string; interactivity: { mode?: InteractivityMode } }): InteractivityMode {
  if (slack.interactivity.mode) return slack.interactivity.mode;
  if (slack.signingSecret) return 'http';
  if (slack.appToken) return 'socket';
  return 'off';
}

/** An explicit mode needs its secret: `http` the signing secret, `socket` the app-level token. */
export function requireInteractivitySecret(
  slack: { signingSecret?: string; appToken?: string; interactivity: { mode?: InteractivityMode } },
  ctx: RefinementCtx,
): void {
  const mode = slack.interactivity.mode;
  if (mode === 'http' && !slack.signingSecret)
    ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'interactivity mode http needs the signing secret (SLACK_SIGNING_SECRET)' });
  if (mode === 'socket' && !slack.appToken)
    ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'interactivity mode socket needs an app-level token (SLACK_APP_TOKEN)' });
  if (slack.appToken && !slack.appToken.startsWith('xapp-'))
    ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'must be an app-level token (xapp-…), not a bot token' });
}
