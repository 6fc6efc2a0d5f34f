import { describe, expect, it } from 'vitest';
import { expiryLevel, planLevels, type CertificateState, type ExpiryLevel } from './tls-levels.js';
import type { TlsReason } from './tls-chain.js';

const thresholds = { warnDays: 14, criticalDays: 7 };

describe('expiryLevel', () => {
  it.each([
    [30, 'ok'],
    [14.01, 'ok'],
    [14, 'warning'],
    [10, 'warning'],
    [7.5, 'warning'],
    [7, 'critical'],
    [3, 'critical'],
    [0.01, 'critical'],
    [0, 'expired'],
    [-2, 'expired'],
  ] as const)('%s days left -> %s', (days, level) => {
    expect(expiryLevel(days, thresholds)).toBe(level);
  });
});

describe('planLevels', () => {
  const scenarios: Array<{
    name: string;
    previous?: CertificateState;
    fingerprint: string;
    level: ExpiryLevel;
    reason?: TlsReason;
    renewal: boolean;
    announce?: ExpiryLevel;
    announceReason?: TlsReason;
    next: CertificateState;
  }> = [
    { name: 'first sight, ok: nothing to say', fingerprint: 'a', level: 'ok', renewal: false, next: { fingerprint: 'a', notified: 'ok' } },
    { name: 'first sight, warning', fingerprint: 'a', level: 'warning', renewal: false, announce: 'warning', next: { fingerprint: 'a', notified: 'warning' } },
    { name: 'warning again: nothing new', previous: { fingerprint: 'a', notified: 'warning' }, fingerprint: 'a', level: 'warning', renewal: false, next: { fingerprint: 'a', notified: 'warning' } },
    { name: 'warning -> critical', previous: { fingerprint: 'a', notified: 'warning' }, fingerprint: 'a', level: 'critical', renewal: false, announce: 'critical', next: { fingerprint: 'a', notified: 'critical' } },
    { name: 'ok -> critical skips warning', previous: { fingerprint: 'a', notified: 'ok' }, fingerprint: 'a', level: 'critical', renewal: false, announce: 'critical', next: { fingerprint: 'a', notified: 'critical' } },
    { name: 'critical -> expired', previous: { fingerprint: 'a', notified: 'critical' }, fingerprint: 'a', level: 'expired', renewal: false, announce: 'expired', next: { fingerprint: 'a', notified: 'expired' } },
    { name: 'renewed after a warning: announced, levels reset', previous: { fingerprint: 'a', notified: 'critical' }, fingerprint: 'b', level: 'ok', renewal: true, next: { fingerprint: 'b', notified: 'ok' } },
    { name: 'renewed to a short certificate: renewal and its level', previous: { fingerprint: 'a', notified: 'critical' }, fingerprint: 'b', level: 'warning', renewal: true, announce: 'warning', next: { fingerprint: 'b', notified: 'warning' } },
    { name: 'renewed before any warning: silent', previous: { fingerprint: 'a', notified: 'ok' }, fingerprint: 'b', level: 'ok', renewal: false, next: { fingerprint: 'b', notified: 'ok' } },
    { name: 'self-signed: reason once', fingerprint: 'a', level: 'ok', reason: 'self_signed', renewal: false, announceReason: 'self_signed', next: { fingerprint: 'a', notified: 'ok', reason: 'self_signed' } },
    { name: 'self-signed again: nothing new', previous: { fingerprint: 'a', notified: 'ok', reason: 'self_signed' }, fingerprint: 'a', level: 'ok', reason: 'self_signed', renewal: false, next: { fingerprint: 'a', notified: 'ok', reason: 'self_signed' } },
    { name: 'expired reason is said by the level', fingerprint: 'a', level: 'expired', reason: 'expired', renewal: false, announce: 'expired', next: { fingerprint: 'a', notified: 'expired' } },
    { name: 'fixed chain problem replaced: renewal announced', previous: { fingerprint: 'a', notified: 'ok', reason: 'hostname_mismatch' }, fingerprint: 'b', level: 'ok', renewal: true, next: { fingerprint: 'b', notified: 'ok' } },
  ];
  it.each(scenarios)('$name', (s) => {
    const plan = planLevels(s.previous, s.fingerprint, s.level, s.reason);
    expect(plan.announceRenewal).toBe(s.renewal);
    expect(plan.announce).toBe(s.announce);
    expect(plan.announceReason).toBe(s.announceReason);
    expect(plan.next).toEqual(s.next);
  });
});
