import { describe, expect, it } from 'vitest';
import { expiryLevel, planLevels, type CertificateState, type ExpiryLevel } from './levels.js';
import type { TlsReason } from './chain.js';

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
  const OLD = '2027-01-10T00:00:00.000Z';
  const LATER = '2027-04-10T00:00:00.000Z';
  const EARLIER = '2027-01-05T00:00:00.000Z';
  const st = (fingerprint: string, notified: ExpiryLevel, extra: Partial<CertificateState> = {}): CertificateState => ({
    fingerprint,
    notified,
    notAfter: OLD,
    ...extra,
  });
  const scenarios: Array<{
    name: string;
    previous?: CertificateState;
    fingerprint: string;
    notAfter?: string;
    level: ExpiryLevel;
    reason?: TlsReason;
    renewal: boolean;
    renewed?: boolean;
    announce?: ExpiryLevel;
    announceReason?: TlsReason;
    next: Partial<CertificateState>;
  }> = [
    { name: 'first sight, ok: nothing to say', fingerprint: 'a', level: 'ok', renewal: false, next: { fingerprint: 'a', notified: 'ok' } },
    { name: 'first sight, warning', fingerprint: 'a', level: 'warning', renewal: false, announce: 'warning', next: { fingerprint: 'a', notified: 'warning' } },
    {
      name: 'warning again: nothing new',
      previous: st('a', 'warning'),
      fingerprint: 'a',
      level: 'warning',
      renewal: false,
      next: { fingerprint: 'a', notified: 'warning' },
    },
    {
      name: 'warning -> critical',
      previous: st('a', 'warning'),
      fingerprint: 'a',
      level: 'critical',
      renewal: false,
      announce: 'critical',
      next: { fingerprint: 'a', notified: 'critical' },
    },
    {
      name: 'ok -> critical skips warning',
      previous: st('a', 'ok'),
      fingerprint: 'a',
      level: 'critical',
      renewal: false,
      announce: 'critical',
      next: { fingerprint: 'a', notified: 'critical' },
    },
    {
      name: 'critical -> expired',
      previous: st('a', 'critical'),
      fingerprint: 'a',
      level: 'expired',
      renewal: false,
      announce: 'expired',
      next: { fingerprint: 'a', notified: 'expired' },
    },
    {
      name: 'renewed after a warning: announced, levels reset',
      previous: st('a', 'critical'),
      fingerprint: 'b',
      notAfter: LATER,
      level: 'ok',
      renewal: true,
      next: { fingerprint: 'b', notified: 'ok', notAfter: LATER, history: [{ fingerprint: 'a', notified: 'critical' }] },
    },
    {
      name: 'renewed to a short certificate: renewal and its level',
      previous: st('a', 'critical'),
      fingerprint: 'b',
      notAfter: LATER,
      level: 'warning',
      renewal: true,
      announce: 'warning',
      next: { fingerprint: 'b', notified: 'warning' },
    },
    {
      name: 'renewed before any warning: silent, still a renewal (audit, Grafana)',
      previous: st('a', 'ok'),
      fingerprint: 'b',
      notAfter: LATER,
      level: 'ok',
      renewal: false,
      renewed: true,
      next: { fingerprint: 'b', notified: 'ok' },
    },
    {
      name: 'replaced by one expiring sooner: no "renewed", levels from ok',
      previous: st('a', 'warning'),
      fingerprint: 'b',
      notAfter: EARLIER,
      level: 'critical',
      renewal: false,
      announce: 'critical',
      next: { fingerprint: 'b', notified: 'critical' },
    },
    {
      name: 'back to a fingerprint seen before (two backends): nothing new',
      previous: st('b', 'ok', { notAfter: LATER, history: [{ fingerprint: 'a', notified: 'critical' }] }),
      fingerprint: 'a',
      notAfter: OLD,
      level: 'critical',
      renewal: false,
      next: { fingerprint: 'a', notified: 'critical', history: [{ fingerprint: 'b', notified: 'ok' }] },
    },
    {
      name: 'alternating again to the newer one: no second "renewed"',
      previous: st('a', 'critical', { history: [{ fingerprint: 'b', notified: 'ok' }] }),
      fingerprint: 'b',
      notAfter: LATER,
      level: 'ok',
      renewal: false,
      next: { fingerprint: 'b', notified: 'ok', history: [{ fingerprint: 'a', notified: 'critical' }] },
    },
    {
      name: 'self-signed: reason once',
      fingerprint: 'a',
      level: 'ok',
      reason: 'self_signed',
      renewal: false,
      announceReason: 'self_signed',
      next: { fingerprint: 'a', notified: 'ok', reason: 'self_signed' },
    },
    {
      name: 'self-signed again: nothing new',
      previous: st('a', 'ok', { reason: 'self_signed' }),
      fingerprint: 'a',
      level: 'ok',
      reason: 'self_signed',
      renewal: false,
      next: { fingerprint: 'a', notified: 'ok', reason: 'self_signed' },
    },
    {
      name: 'expired reason is said by the level',
      fingerprint: 'a',
      level: 'expired',
      reason: 'expired',
      renewal: false,
      announce: 'expired',
      next: { fingerprint: 'a', notified: 'expired' },
    },
    {
      name: 'a chain problem fixed by a new certificate: renewal announced',
      previous: st('a', 'ok', { reason: 'hostname_mismatch' }),
      fingerprint: 'b',
      notAfter: LATER,
      level: 'ok',
      renewal: true,
      next: { fingerprint: 'b', notified: 'ok' },
    },
  ];
  it.each(scenarios)('$name', (s) => {
    const plan = planLevels(s.previous, { fingerprint: s.fingerprint, notAfter: s.notAfter ?? OLD, level: s.level, ...(s.reason ? { reason: s.reason } : {}) });
    expect(plan.announceRenewal).toBe(s.renewal);
    // Every announced renewal is a renewal; a silent one (no warning before) is one too.
    expect(plan.renewed).toBe(s.renewed ?? s.renewal);
    expect(plan.announce).toBe(s.announce);
    expect(plan.announceReason).toBe(s.announceReason);
    expect(plan.next).toMatchObject(s.next);
    if (!s.next.reason) expect(plan.next.reason).toBeUndefined();
  });

  it('keeps a short history', () => {
    let state: CertificateState | undefined;
    for (const [i, fp] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) {
      state = planLevels(state, { fingerprint: fp, notAfter: new Date(Date.UTC(2027, 0, 1 + i)).toISOString(), level: 'ok' }).next;
    }
    expect(state?.history?.map((h) => h.fingerprint)).toEqual(['e', 'd', 'c', 'b']);
  });
});
