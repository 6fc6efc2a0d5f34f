/**
 * The one place where untrusted text and URLs become Slack mrkdwn. Alert labels, annotations
 * and links come from senders: escaped, they cannot ping (`<!channel>`), link (`<url|...>`) or
 * break out of a link; a URL is only linked when it is a plain http(s) URL.
 */

/** Slack mrkdwn escaping (&, <, >): text shows as written, never as a mention or a link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const MAX_URL = 2_048;
/** Whitespace and control characters (C0, DEL, C1): never in a URL we link. */
const UNSAFE_CHARS = /[\u0000-\u0020\u007f-\u009f]/;

/**
 * The URL, normalized, when it is a clean absolute http(s) URL without credentials and short
 * enough to show; otherwise undefined (not linked at all).
 */
export function safeHttpUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL || UNSAFE_CHARS.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) return undefined;
  return url.href;
}

/** `<url|label>` for a safe URL (the `|` and `>` that would end the link are encoded); undefined otherwise. */
export function slackLink(raw: unknown, label: string): string | undefined {
  const url = safeHttpUrl(raw);
  if (!url) return undefined;
  const href = escapeMrkdwn(url.replace(/\|/g, '%7C'));
  return `<${href}|${escapeMrkdwn(label.replace(/\|/g, '/'))}>`;
}
