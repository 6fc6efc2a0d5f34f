import type { IncidentThreads } from '../notify/threads.js';
import type { ChatMessage } from '../notify/notifier.js';
import type { Logger } from '../observability/logger.js';
import type { TlsReason } from './chain.js';
import type { TlsInventory } from './inventory.js';
import { isUnreadable } from '../state/stored-record.js';

/** How close a certificate is to its end; only ever rises for one certificate. */
export const EXPIRY_LEVELS = ['ok', 'warning', 'critical', 'expired'] as const;
export type ExpiryLevel = (typeof EXPIRY_LEVELS)[number];

const rank = (level: ExpiryLevel): number => EXPIRY_LEVELS.indexOf(level);

export interface ExpiryThresholds {
  /** @defaultValue 14 */
  warnDays: number;
  /** @defaultValue 7 */
  criticalDays: number;
}

export function expiryLevel(daysLeft: number, t: ExpiryThresholds): ExpiryLevel {
  if (daysLeft <= 0) return 'expired';
  if (daysLeft <= t.criticalDays) return 'critical';
  if (daysLeft <= t.warnDays) return 'warning';
  return 'ok';
}

/** What was announced about one fingerprint. */
export interface FingerprintState {
  fingerprint: string;
  /** The highest level already announced for this fingerprint. */
  notified: ExpiryLevel;
  /** The chain problem already announced for this fingerprint (self_signed, ...). */
  reason?: TlsReason;
}

/** What we remember per watched certificate (check + name), in Redis. */
export interface CertificateState extends FingerprintState {
  /** notAfter of the current fingerprint (ISO): a renewal is a certificate that lives longer. */
  notAfter?: string;
  /**
   * The last few fingerprints seen before this one. A load balancer whose backends serve
   * different certificates alternates between them: a fingerprint seen before keeps what was
   * already announced about it and is no renewal.
   */
  history?: FingerprintState[];
}

/** The certificate a run found for one watched name. */
export interface ObservedCertificate {
  fingerprint: string;
  notAfter: string;
  level: ExpiryLevel;
  reason?: TlsReason;
}

export interface LevelPlan {
  /** A new certificate that outlives the old one, and someone had been warned about the old one. */
  announceRenewal: boolean;
  /** A new certificate that outlives the old one, warned about or not (an audit record, a Grafana marker). */
  renewed: boolean;
  /** A level not yet announced for this fingerprint. */
  announce?: ExpiryLevel;
  /** A chain problem not yet announced for this fingerprint. */
  announceReason?: TlsReason;
  next: CertificateState;
}

const HISTORY = 4;

/**
 * The once-per-level rule: announce a level the first time this fingerprint reaches it (a jump
 * from ok to critical announces critical only); a new fingerprint starts from ok again. A
 * renewal nobody was warned about is recorded silently (ACME renews 30 days ahead, before
 * any warning: that is the normal case, not news).
 */
export function planLevels(previous: CertificateState | undefined, current: ObservedCertificate): LevelPlan {
  const { fingerprint, level, reason } = current;
  const changed = previous !== undefined && previous.fingerprint !== fingerprint;
  const seenBefore = changed ? previous.history?.find((h) => h.fingerprint === fingerprint) : undefined;
  const known: FingerprintState | undefined = changed ? seenBefore : previous;
  const base: ExpiryLevel = known?.notified ?? 'ok';
  const announce = rank(level) > rank(base) ? level : undefined;
  // "expired" is said by the level message; other problems once each per fingerprint.
  const announceReason = reason && reason !== 'expired' && reason !== known?.reason ? reason : undefined;
  const knownReason = announceReason ?? known?.reason;
  const outlives = changed && (previous.notAfter === undefined || Date.parse(current.notAfter) > Date.parse(previous.notAfter));
  const history = changed
    ? [
        { fingerprint: previous.fingerprint, notified: previous.notified, ...(previous.reason ? { reason: previous.reason } : {}) },
        ...(previous.history ?? []).filter((h) => h.fingerprint !== fingerprint && h.fingerprint !== previous.fingerprint),
      ].slice(0, HISTORY)
    : previous?.history;
  return {
    announceRenewal: changed && outlives && !seenBefore && (previous.notified !== 'ok' || previous.reason !== undefined),
    renewed: changed && outlives && !seenBefore,
    ...(announce ? { announce } : {}),
    ...(announceReason ? { announceReason } : {}),
    next: {
      fingerprint,
      notified: announce ?? base,
      ...(knownReason ? { reason: knownReason } : {}),
      notAfter: current.notAfter,
      ...(history && history.length > 0 ? { history } : {}),
    },
  };
}

/** The facts a level message needs about one watched certificate. */
export interface WatchedCertificate {
  check: string;
  name: string;
  commonName: string;
  issuer: string;
  notAfter: string;
  daysLeft: number;
  fingerprint: string;
  level: ExpiryLevel;
  /** What is wrong with the chain, if anything, and the verifier's words for it. */
  reason?: TlsReason;
  error?: string;
}

const ICON: Record<ExpiryLevel, string> = { ok: ':white_check_mark:', warning: ':warning:', critical: ':rotating_light:', expired: ':x:' };

export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

export function formatDaysLeft(daysLeft: number): string {
  const days = Math.floor(daysLeft);
  return `${days} day${days === 1 ? '' : 's'} left`;
}

function levelMessage(cert: WatchedCertificate): ChatMessage {
  const when =
    cert.level === 'expired'
      ? `expired on ${cert.notAfter}`
      : `expires in ${Math.floor(cert.daysLeft)} day${Math.floor(cert.daysLeft) === 1 ? '' : 's'} (${cert.notAfter})`;
  const text =
    `${ICON[cert.level]} TLS certificate ${cert.level.toUpperCase()}: ${cert.name} (check ${cert.check}) ${when}. ` +
    `CN ${cert.commonName}, issuer ${cert.issuer}, SHA-256 ${shortFingerprint(cert.fingerprint)}`;
  return { text };
}

const REASON_TEXT: Record<TlsReason, string> = {
  expired: 'has expired',
  not_yet_valid: 'is not valid yet',
  self_signed: 'is self-signed',
  untrusted_chain: 'does not chain to a trusted root',
  hostname_mismatch: 'does not cover the name it is served for',
};

function reasonMessage(cert: WatchedCertificate, reason: TlsReason): ChatMessage {
  return {
    text:
      `:x: TLS certificate for ${cert.name} (check ${cert.check}) ${REASON_TEXT[reason]} (${reason}${cert.error ? `: ${cert.error}` : ''}). ` +
      `CN ${cert.commonName}, issuer ${cert.issuer}, SHA-256 ${shortFingerprint(cert.fingerprint)}, ${formatDaysLeft(cert.daysLeft)}`,
  };
}

function renewedMessage(cert: WatchedCertificate, oldFingerprint: string): ChatMessage {
  return {
    text:
      `${ICON.ok} TLS certificate for ${cert.name} (check ${cert.check}) renewed, now ${formatDaysLeft(cert.daysLeft)} ` +
      `(expires ${cert.notAfter}, issuer ${cert.issuer}, SHA-256 ${shortFingerprint(cert.fingerprint)}, was ${shortFingerprint(oldFingerprint)})`,
  };
}

export interface LevelContext {
  /** Owner of the announced-levels state (inventory.ts). */
  inventory: TlsInventory;
  threads: IncidentThreads;
  logger: Logger;
}

/** One Slack thread per certificate incident: one fingerprint of one watched name. */
function incidentKey(check: string, name: string, fingerprint: string): string {
  return `tls:${check}:${name}:${shortFingerprint(fingerprint)}`;
}

/**
 * Applies the level plan for one certificate: posts what is new (each post carries a `step`,
 * so a retried run repeats nothing) and then stores the new state.
 */
export async function notifyLevels(ctx: LevelContext, cert: WatchedCertificate): Promise<LevelPlan> {
  const stored = await ctx.inventory.levelState(cert.check, cert.name);
  // An unreadable record starts over from "nothing announced": each post has a step, so the
  // thread repeats no message it already holds.
  if (isUnreadable(stored))
    ctx.logger.warn({ check: cert.check, certificate: cert.name, problem: stored.problem }, 'tls level state unreadable; starting over');
  const previous = isUnreadable(stored) ? undefined : stored;
  const plan = planLevels(previous, cert);

  if (plan.announceRenewal && previous) {
    const oldIncident = incidentKey(cert.check, cert.name, previous.fingerprint);
    const message = renewedMessage(cert, previous.fingerprint);
    await ctx.threads.say(oldIncident, message, { step: `renewed:${cert.fingerprint}`, updateRoot: message });
    ctx.logger.info({ check: cert.check, certificate: cert.name, fingerprint: shortFingerprint(cert.fingerprint) }, 'tls certificate renewed');
  } else if (previous && previous.fingerprint !== cert.fingerprint) {
    ctx.logger.info(
      { check: cert.check, certificate: cert.name, fingerprint: shortFingerprint(cert.fingerprint) },
      'tls certificate changed before any warning',
    );
  }
  if (plan.announce) {
    await ctx.threads.say(incidentKey(cert.check, cert.name, cert.fingerprint), levelMessage(cert), { step: `level:${plan.announce}` });
    ctx.logger.info({ check: cert.check, certificate: cert.name, level: plan.announce, days_left: cert.daysLeft }, 'tls certificate level announced');
  }
  if (plan.announceReason) {
    await ctx.threads.say(incidentKey(cert.check, cert.name, cert.fingerprint), reasonMessage(cert, plan.announceReason), {
      step: `reason:${plan.announceReason}`,
    });
  }
  if (!previous || JSON.stringify(previous) !== JSON.stringify(plan.next)) {
    await ctx.inventory.saveLevelState(cert.check, cert.name, plan.next);
  }
  // Closed only once the new state is stored: a run that dies before that repeats nothing.
  if (plan.announceRenewal && previous) await ctx.threads.close(incidentKey(cert.check, cert.name, previous.fingerprint));
  return plan;
}
