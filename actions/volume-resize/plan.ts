import { HETZNER_MAX_GB } from './settings.js';

export interface PlanPolicy {
  maxSizeGb: number;
  stepPercent: number;
  minStepGb: number;
}

export type ResizePlan =
  | { kind: 'grow'; fromGb: number; toGb: number; capGb: number }
  /** Already at (or above) the cap: nothing to do but say so. */
  | { kind: 'at_cap'; fromGb: number; capGb: number };

/**
 * new = min(cap, max(current + minStepGb, ceil(current * (1 + stepPercent/100)))), in whole GB;
 * never a shrink, never above the cap or Hetzner's 10240 GB.
 */
export function resizePlan(currentGb: number, policy: PlanPolicy): ResizePlan {
  const capGb = Math.min(policy.maxSizeGb, HETZNER_MAX_GB);
  if (currentGb >= capGb) return { kind: 'at_cap', fromGb: currentGb, capGb };
  // Rounded to 1e-9 first so 20 * 1.1 = 22.000000000000004 does not become 23.
  const byPercent = Math.ceil(Math.round(currentGb * (1 + policy.stepPercent / 100) * 1e9) / 1e9);
  const toGb = Math.min(capGb, Math.max(currentGb + policy.minStepGb, byPercent));
  return { kind: 'grow', fromGb: currentGb, toGb, capGb };
}
