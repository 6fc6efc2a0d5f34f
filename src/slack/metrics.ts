import { Counter } from 'prom-client';
import { registry } from '../observability/metrics.js';

/** Bounded label sets: a click's action comes from our record, never from the payload. */
export const INTERACTION_ACTIONS = ['approve', 'reject', 'silence', 'expire_silence', 'acknowledge', 'unknown'] as const;
export const INTERACTION_OUTCOMES = [
  'done',
  'not_allowed',
  'already_decided',
  'expired',
  'unknown_button',
  'failed',
  'invalid_signature',
  'stale',
  'replayed',
  'bad_request',
  'unavailable',
] as const;
export type InteractionAction = (typeof INTERACTION_ACTIONS)[number];
export type InteractionOutcome = (typeof INTERACTION_OUTCOMES)[number];

export const slackInteractionsTotal = new Counter({
  name: 'alertworks_slack_interactions_total',
  help: 'Slack button clicks and interaction requests, by action and outcome.',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

export function countInteraction(action: InteractionAction, outcome: InteractionOutcome): void {
  slackInteractionsTotal.inc({ action, outcome });
}
