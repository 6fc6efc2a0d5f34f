import { describe, expect, it } from 'vitest';
import { resizePlan } from './plan.js';

const defaults = { maxSizeGb: 100, stepPercent: 25, minStepGb: 10 };

describe('resizePlan', () => {
  it.each([
    { current: 20, policy: defaults, plan: { kind: 'grow', fromGb: 20, toGb: 30, capGb: 100 } },
    { current: 60, policy: defaults, plan: { kind: 'grow', fromGb: 60, toGb: 75, capGb: 100 } },
    { current: 41, policy: defaults, plan: { kind: 'grow', fromGb: 41, toGb: 52, capGb: 100 } },
    { current: 95, policy: defaults, plan: { kind: 'grow', fromGb: 95, toGb: 100, capGb: 100 } },
    { current: 100, policy: defaults, plan: { kind: 'at_cap', fromGb: 100, capGb: 100 } },
    { current: 120, policy: defaults, plan: { kind: 'at_cap', fromGb: 120, capGb: 100 } },
    { current: 20, policy: { ...defaults, stepPercent: 10, minStepGb: 1 }, plan: { kind: 'grow', fromGb: 20, toGb: 22, capGb: 100 } },
    { current: 10000, policy: { maxSizeGb: 10240, stepPercent: 25, minStepGb: 10 }, plan: { kind: 'grow', fromGb: 10000, toGb: 10240, capGb: 10240 } },
    { current: 10240, policy: { maxSizeGb: 10240, stepPercent: 25, minStepGb: 10 }, plan: { kind: 'at_cap', fromGb: 10240, capGb: 10240 } },
    { current: 50, policy: { maxSizeGb: 20000, stepPercent: 25, minStepGb: 10 }, plan: { kind: 'grow', fromGb: 50, toGb: 63, capGb: 10240 } },
  ])('$current GB with $policy -> $plan.kind $plan.toGb', ({ current, policy, plan }) => {
    expect(resizePlan(current, policy)).toEqual(plan);
  });

  it('never shrinks and never passes the cap (property)', () => {
    for (let current = 10; current <= 400; current++) {
      for (const cap of [50, 100, 333]) {
        const p = resizePlan(current, { maxSizeGb: cap, stepPercent: 25, minStepGb: 10 });
        if (p.kind === 'grow') {
          expect(p.toGb).toBeGreaterThan(current);
          expect(p.toGb).toBeLessThanOrEqual(cap);
          expect(Number.isInteger(p.toGb)).toBe(true);
        } else expect(current).toBeGreaterThanOrEqual(cap);
      }
    }
  });
});
