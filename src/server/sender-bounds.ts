import { createHash } from 'node:crypto';
import type { Alert, AlertmanagerPayload } from './alertmanager-payload.js';

/**
 * How long a sender-controlled value may be once it is past the receiver's edge: everything a
 * webhook carries is logged, stored in Redis and shown in Slack, so it is bounded here, before
 * any of that (README "Limits on what a sender sends"). Real Alertmanager and Grafana values
 * are far shorter; only a hostile or broken sender reaches these.
 */
export const SENDER_LIMITS = {
  groupKey: 1024,
  receiver: 256,
  labelName: 128,
  labelValue: 1024,
  annotationValue: 8192,
  /** Alertmanager's are 16 hex digits. */
  fingerprint: 64,
  /** generatorURL, externalURL. */
  url: 2048,
  /** startsAt, endsAt: RFC 3339 timestamps. */
  timestamp: 64,
  /** Any string inside a field this version does not know (kept, as Alertmanager adds fields). */
  other: 8192,
} as const;

/** JSON nesting deeper than this is refused: Alertmanager's and Grafana's payloads nest 4–6 levels. */
export const MAX_JSON_DEPTH = 32;

const DIGEST_CHARS = 12;

/**
 * `value` cut to at most `max` characters. A cut value ends in `…` and a digest of the whole,
 * so two long values that share a prefix stay different (fingerprints, dedup keys, routing).
 */
function clipValue(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - DIGEST_CHARS - 1);
  // Never leave half of a surrogate pair at the cut.
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end)}…${createHash('sha256').update(value).digest('hex').slice(0, DIGEST_CHARS)}`;
}

function clipLabels(labels: Record<string, string>, maxValue: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) out[clipValue(name, SENDER_LIMITS.labelName)] = clipValue(value, maxValue);
  return out;
}

/** Every string (keys too) in a value of unknown shape, cut to SENDER_LIMITS.other. Depth is already bounded (MAX_JSON_DEPTH). */
function clipUnknown(value: unknown): unknown {
  if (typeof value === 'string') return clipValue(value, SENDER_LIMITS.other);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clipUnknown);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[clipValue(k, SENDER_LIMITS.labelName)] = clipUnknown(v);
  return out;
}

function boundAlert(alert: Alert): Alert {
  const { status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint, ...unknown } = alert;
  return {
    ...(clipUnknown(unknown) as Record<string, unknown>),
    status,
    labels: clipLabels(labels, SENDER_LIMITS.labelValue),
    annotations: clipLabels(annotations, SENDER_LIMITS.annotationValue),
    startsAt: clipValue(startsAt, SENDER_LIMITS.timestamp),
    ...(endsAt !== undefined ? { endsAt: clipValue(endsAt, SENDER_LIMITS.timestamp) } : {}),
    ...(generatorURL !== undefined ? { generatorURL: clipValue(generatorURL, SENDER_LIMITS.url) } : {}),
    fingerprint: clipValue(fingerprint, SENDER_LIMITS.fingerprint),
  };
}

/**
 * The payload with every sender-controlled string cut to SENDER_LIMITS. Runs after parsing,
 * so a fingerprint derived from the labels is derived from the whole labels.
 */
export function boundPayload<P extends Omit<AlertmanagerPayload, 'version'>>(payload: P): P {
  const { groupKey, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts, ...rest } = payload;
  return {
    ...rest,
    ...(groupKey !== undefined ? { groupKey: clipValue(groupKey, SENDER_LIMITS.groupKey) } : {}),
    receiver: clipValue(receiver, SENDER_LIMITS.receiver),
    ...(groupLabels ? { groupLabels: clipLabels(groupLabels, SENDER_LIMITS.labelValue) } : {}),
    ...(commonLabels ? { commonLabels: clipLabels(commonLabels, SENDER_LIMITS.labelValue) } : {}),
    ...(commonAnnotations ? { commonAnnotations: clipLabels(commonAnnotations, SENDER_LIMITS.annotationValue) } : {}),
    ...(externalURL !== undefined ? { externalURL: clipValue(externalURL, SENDER_LIMITS.url) } : {}),
    alerts: alerts.map(boundAlert),
  } as P;
}

/**
 * Where `value` nests deeper than `max` levels (a path such as `alerts[0].extra.a.a`), or
 * undefined. Stops descending at `max`, so its own stack depth is bounded too.
 */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const steps = deepestSteps(value, max, 0);
  if (!steps) return undefined;
  return (
    steps
      .reverse()
      .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${clipValue(s, 32)}`))
      .join('') || '(root)'
  );
}

/** The path (innermost step first) to a value nested `max` levels below this one. */
function deepestSteps(value: unknown, max: number, depth: number): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= max) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = deepestSteps(value[i], max, depth + 1);
      if (found) return [...found, i];
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const found = deepestSteps(v, max, depth + 1);
    if (found) return [...found, k];
  }
  return undefined;
}
