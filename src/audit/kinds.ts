/**
 * What an audit record says happened: a closed set, so readers (the page, Grafana annotations,
 * filters) can rely on it. A new kind is one line here (approvals add `approved`/`rejected`);
 * an action outcome outside the set is recorded as `other` with the outcome kept beside it.
 */
export const AUDIT_KINDS = [
  // intake
  'received',
  // decisions
  'plan',
  'dry_run',
  'refused',
  'cooldown',
  'limit_reached',
  'budget_exhausted',
  'silenced',
  'waiting_approval',
  'approved',
  'rejected',
  // outcomes
  'resized',
  'drift_pr',
  'failed',
  'resolved',
  'ignored',
  'renewed',
  'other',
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number];

const KNOWN = new Set<string>(AUDIT_KINDS);

export function isAuditKind(value: string): value is AuditKind {
  return KNOWN.has(value);
}

/** The kind an action's outcome is recorded under. */
export function kindOfOutcome(outcome: string): AuditKind {
  return isAuditKind(outcome) ? outcome : (OUTCOME_KINDS[outcome] ?? 'other');
}

/** Action outcomes whose word differs from their kind's. */
const OUTCOME_KINDS: Readonly<Record<string, AuditKind>> = { awaiting_approval: 'waiting_approval' };
