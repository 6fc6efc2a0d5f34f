import { describe, expect, it } from 'vitest';
import { AUDIT_KINDS, kindOfOutcome } from './kinds.js';

describe('kindOfOutcome', () => {
  it.each([
    ['resized', 'resized'],
    ['cooldown', 'cooldown'],
    ['silenced', 'silenced'],
    // The approval guard's outcome word differs from the kind the audit trail files it under.
    ['awaiting_approval', 'waiting_approval'],
    ['not_approved', 'other'],
    ['something_new', 'other'],
  ])('%s -> %s', (outcome, kind) => {
    expect(kindOfOutcome(outcome)).toBe(kind);
  });

  it('approvals have kinds of their own', () => {
    expect(AUDIT_KINDS).toEqual(expect.arrayContaining(['approved', 'rejected', 'waiting_approval']));
  });
});
