import type { AuditKind } from './kinds.js';

/** Links to where the action can be followed; only http(s) URLs are kept as links. */
export interface AuditLinks {
  /** Slack thread, as "channel/ts" (or a permalink URL). */
  slackThread?: string;
  pr?: string;
  workflowRun?: string;
  /** Hetzner Cloud action id. */
  hetznerAction?: string;
}

/** One decision or outcome of an action, or one alert taken in. */
export interface AuditRecord {
  kind: AuditKind;
  /** The action (volume-resize, tls-verify, ...) or `receiver`. */
  action: string;
  /** What it is about, e.g. "volume 4711 (data)", "api.example.com". */
  resource?: string;
  /** One line for people. */
  summary: string;
  /** Who sent the alert (Alertmanager receiver name) and the route it took. */
  sender?: string;
  route?: string;
  /** Who decided (an approver), when a person did. */
  actor?: string;
  /** The action's own outcome word, when `kind` is `other`. */
  outcome?: string;
  alertname?: string;
  fingerprint?: string;
  links?: AuditLinks;
  /** Small facts (sizes, durations), for the JSON API. */
  details?: Record<string, string | number | boolean>;
}

/** A stored record: its stream id and time. */
export interface StoredAuditRecord extends AuditRecord {
  id: string;
  /** Epoch ms. */
  at: number;
}

const MAX_TEXT = 200;
const MAX_DETAILS = 12;

/** Everything an alert sender controls is bounded before it is stored. */
export function boundRecord(r: AuditRecord): AuditRecord {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const text = (v: string | undefined, max = MAX_TEXT) => (v === undefined ? undefined : v.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, max));
  const out: AuditRecord = { kind: r.kind, action: text(r.action, 64)!, summary: text(r.summary, 500)! };
  for (const key of ['resource', 'sender', 'route', 'actor', 'outcome', 'alertname', 'fingerprint'] as const) {
    const v = text(r[key]);
    if (v) out[key] = v;
  }
  if (r.links) {
    const links: AuditLinks = {};
    for (const [key, value] of Object.entries(r.links) as [keyof AuditLinks, string | undefined][]) if (value) links[key] = text(String(value), 500);
    if (Object.keys(links).length) out.links = links;
  }
  if (r.details) {
    out.details = Object.fromEntries(
      Object.entries(r.details)
        .slice(0, MAX_DETAILS)
        .map(([k, v]) => [k.slice(0, 40), typeof v === 'string' ? v.slice(0, MAX_TEXT) : v]),
    );
  }
  return out;
}

/** A link that may become an <a href>: only absolute http(s) URLs. */
export function isWebLink(value: string | undefined): value is string {
  return !!value && /^https?:\/\/[^\s"'<>]+$/.test(value);
}
