/**
 * Keeps secrets out of logs, metric labels, Slack messages and error texts. Two layers:
 * exact values registered at start (tokens from the environment and the config), and
 * patterns for credentials that reach us unannounced (Authorization headers, URL userinfo,
 * well-known token shapes).
 */
const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 6;
let longestSecret = 0;

export const REDACTED = '[REDACTED]';

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) {
    secrets.add(value);
    longestSecret = Math.max(longestSecret, value.length);
  }
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|CREDENTIAL|PRIVATE)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Registers the values of every environment variable whose name says it is a secret. */
export function registerSecretsFromEnv(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (isSecretName(name)) registerSecret(value);
  }
}

/**
 * Every pattern must run in time linear in its input: each one is tried at every position of
 * every logged string, and those strings come from senders. A pattern may only start with a
 * fixed literal (or a lookbehind of fixed length), and no quantified part may overlap the one
 * after it. The URL-userinfo pattern used to start with `\w+://`, which re-scanned a run of
 * word characters from each of its positions: quadratic, 1.9 s for 32k characters.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // Anchored on the literal `://` (the scheme before it is kept as it is, so it need not be matched).
  [/(?<=\w:\/\/)[^/\s:@]+:[^/\s@]+@/g, `${REDACTED}@`],
  [/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{16,}/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/([?&](?:token|key|api_key|apikey|access_token|secret|password|X-Amz-Signature|X-Amz-Credential)=)[^&\s"]+/gi, `$1${REDACTED}`],
];

/**
 * A literal that every PATTERNS match contains (case-insensitive, so a superset): a string
 * without any of them skips the seven replaces. Most logged strings (messages, names, ids)
 * have none, and the replaces were most of a log line's cost. Literals only: linear time.
 */
const MAY_HOLD_PATTERN = /bearer|basic|token|:\/\/|xox|gh[pousr]_|github_pat_|sk-|[?&]/i;

export function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAY_HOLD_PATTERN.test(out)) return out;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|password|secret|token|credentials?|bearerTokens|privateKey)$/i;

/** Deep copy with secret-named keys replaced and every string scrubbed. Bounded depth. */
export function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message), stack: value.stack ? scrub(value.stack) : undefined, code: (value as { code?: unknown }).code };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null ? REDACTED : scrubDeep(v, depth + 1);
  }
  return out;
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
  longestSecret = 0;
}

/** Characters scrubbed past a cut and then dropped, so a secret split by the cut is never shown. */
const CUT_MARGIN = 4096;

/**
 * `scrub`, then at most `max` characters. Only a window a little longer than `max` is
 * scrubbed, so the cost is bounded whatever the input's length; the window's tail (longer
 * than any registered secret) is scrubbed but not kept, so a secret the window's end cut in
 * two (and that therefore went unrecognised) is never part of the result.
 */
export function scrubClipped(text: string, max: number): string {
  const margin = Math.max(CUT_MARGIN, longestSecret);
  if (text.length <= max) return scrub(text);
  if (text.length <= max + margin) return `${scrub(text).slice(0, max)}…(${text.length} chars)`;
  const window = scrub(text.slice(0, max + margin));
  return `${window.slice(0, Math.max(0, Math.min(max, window.length - margin)))}…(${text.length} chars)`;
}

/**
 * What one log line may cost (logger.ts). Strings are cut at `string` characters, object keys
 * at `key`, and all strings and keys of a line together at `chars`; a line holds at most
 * `values` strings, numbers, objects, ... (the rest become LOG_VALUE_LIMIT) and nests at most
 * `depth` levels. So a line stays near 100 kB and takes bounded time to scrub, whatever a
 * sender put into the values it carries.
 */
export const LOG_LIMITS = { string: 4096, key: 256, chars: 64 * 1024, values: 512, depth: 8 } as const;
export const LOG_VALUE_LIMIT = '[log line limit]';

/** `scrubDeep` within LOG_LIMITS: for the logger. */
export function scrubForLog(value: unknown): unknown {
  return scrubBounded(value, 0, { values: LOG_LIMITS.values, chars: LOG_LIMITS.chars });
}

interface LineBudget {
  values: number;
  chars: number;
}

function clipWithin(text: string, max: number, budget: LineBudget): string {
  const out = scrubClipped(text, Math.max(0, Math.min(max, budget.chars)));
  budget.chars -= out.length;
  return out;
}

function scrubBounded(value: unknown, depth: number, budget: LineBudget): unknown {
  if (budget.values-- <= 0 || budget.chars <= 0) return LOG_VALUE_LIMIT;
  if (typeof value === 'string') return clipWithin(value, LOG_LIMITS.string, budget);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= LOG_LIMITS.depth) return LOG_VALUE_LIMIT;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: clipWithin(value.name, LOG_LIMITS.key, budget),
      message: clipWithin(value.message, LOG_LIMITS.string, budget),
      stack: value.stack ? clipWithin(value.stack, LOG_LIMITS.string, budget) : undefined,
      code: typeof code === 'string' ? clipWithin(code, LOG_LIMITS.key, budget) : code,
    };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (budget.values <= 0 || budget.chars <= 0) {
        out.push(`${LOG_VALUE_LIMIT}: ${value.length - out.length} more items`);
        break;
      }
      out.push(scrubBounded(item, depth + 1, budget));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  let seen = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (budget.values <= 0 || budget.chars <= 0) {
      out[LOG_VALUE_LIMIT] = `${Object.keys(value).length - seen} more keys`;
      break;
    }
    seen++;
    const v = (value as Record<string, unknown>)[k];
    const key = clipWithin(k, LOG_LIMITS.key, budget);
    out[key] = SECRET_KEYS.test(k) && v !== undefined && v !== null ? REDACTED : scrubBounded(v, depth + 1, budget);
  }
  return out;
}
