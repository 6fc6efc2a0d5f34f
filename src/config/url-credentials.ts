import { registerSecret } from '../observability/redact.js';

export interface CredentialFreeUrl {
  /** The URL without `user:password@`. */
  url: string;
  /** `Basic …` built from the userinfo, when the URL had one. */
  authorization?: string;
}

/**
 * Moves `user:password@` out of a configured URL into an `Authorization: Basic` header value.
 * fetch refuses URLs with credentials (a Pushgateway at `http://u:p@host` was never pushed
 * to) and http checks dropped them silently; a header is what the server wanted anyway.
 * The password and the header value are registered as secrets, so neither reaches a log.
 * Anything that is not a parsable URL is returned as it is (the config schema refuses it).
 */
export function moveUserinfoToHeader(raw: string): CredentialFreeUrl {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (parsed.username === '' && parsed.password === '') return { url: raw };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  registerSecret(password);
  registerSecret(authorization.slice('Basic '.length));
  // Cut the userinfo out of the text rather than re-serialising the URL, which would add a
  // trailing slash or re-encode the path.
  const start = raw.indexOf('//') + 2;
  const at = raw.indexOf('@', start);
  return { url: raw.slice(0, start) + raw.slice(at + 1), authorization };
}
