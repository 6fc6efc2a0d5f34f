import { z } from 'zod';
import { durationMs } from '../../src/config/duration.js';

/**
 * `approval`: `never` (act at once), `always` (every resize waits for a Slack approval) or
 * `{ aboveGb: N }` (a resize whose target exceeds N GB waits).
 */
export const approvalPolicySchema = z.union([z.enum(['never', 'always']), z.strictObject({ aboveGb: z.number().int().min(1).max(10240) })]);
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/** Policy fields a volume entry may override, spread into settings.ts's policyFields. */
export const approvalFields = {
  /** @defaultValue never */
  approval: approvalPolicySchema,
  /** How long a resize waits for Approve before it is dropped. @defaultValue 1h */
  approvalTimeout: durationMs.refine((ms) => ms >= 1_000 && ms <= 7 * 86_400_000, 'must be between 1s and 7d'),
};

/** Whether a resize to `toGb` must wait for an approval. */
export function needsApproval(policy: ApprovalPolicy, toGb: number): boolean {
  if (policy === 'never') return false;
  if (policy === 'always') return true;
  return toGb > policy.aboveGb;
}

export function describeApprovalPolicy(policy: ApprovalPolicy): string {
  return typeof policy === 'string' ? policy : `above ${policy.aboveGb} GB`;
}
