/**
 * Keeps secrets out of logs, metric labels, Slack messages and error texts. Two layers:
 * exact values registered at start (tokens from the environment and the config), and
 * patterns for credentials that reach us unannounced (Authorization headers, URL userinfo,
 * well-known token shapes).
 */
const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 6;

export const REDACTED = '[REDACTED]';

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
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

const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`],
  [/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{16,}/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/([?&](?:token|key|api_key|apikey|access_token|secret|password|X-Amz-Signature|X-Amz-Credential)=)[^&\s"]+/gi, `$1${REDACTED}`],
];

export function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
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
}
