import type { Matcher } from './types.js';

/**
 * Labels that change between evaluations of the same alert or name the scrape rather than the
 * problem; a silence built from them would miss the next occurrence.
 */
const VOLATILE_LABELS: ReadonlySet<string> = new Set([
  'instance',
  'pod',
  'pod_name',
  'container_id',
  'endpoint',
  '__value__',
  '__values__',
  '__value_string__',
]);

/** Prometheus label names; anything else cannot be a matcher name. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Bounds on what an untrusted label set may turn into: a URL and a silence stay small. */
export const MAX_MATCHERS = 24;
const MAX_VALUE_LENGTH = 1024;

/**
 * Equality matchers for a silence of this alert: every label except volatile ones, at most
 * MAX_MATCHERS (alertname first), names that are valid label names, values bounded. Returns
 * undefined when nothing usable is left (a silence without matchers would silence everything).
 */
export function silenceMatchers(labels: Readonly<Record<string, string>>): Matcher[] | undefined {
  const entries = usableLabels(labels).filter(([k]) => !VOLATILE_LABELS.has(k));
  if (!entries.some(([k]) => k === 'alertname')) return undefined;
  return entries.map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** Labels that can become matchers, alertname first, bounded in count and size. */
export function usableLabels(labels: Readonly<Record<string, string>>): [string, string][] {
  const entries = Object.entries(labels).filter(([k, v]) => LABEL_NAME.test(k) && typeof v === 'string' && v.length > 0 && v.length <= MAX_VALUE_LENGTH);
  entries.sort(([a], [b]) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return entries.slice(0, MAX_MATCHERS);
}

/**
 * One `filter` query value in Alertmanager's matcher syntax: name="value" with the value's
 * backslashes, quotes and newlines escaped (pkg/labels/parse.go), so a label cannot widen it.
 */
export function filterMatcher(name: string, value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${name}="${escaped}"`;
}

/** Whether a silence matcher list selects exactly these labels (equality matchers only). */
export function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
