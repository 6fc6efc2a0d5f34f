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
/**
 * Whitespace, control characters (C0, DEL, C1) and what ends or splits Slack's `<url|text>`
 * syntax: a URL holding any of them is dropped, not repaired, since a repaired link still
 * points where the sender wanted.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\s\u0000-\u001f\u007f-\u009f<>|"`\\]/;

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
  return UNSAFE_CHARS.test(url.href) ? undefined : url.href;
}

/** `<url|label>` for a safe URL (the `|` and `>` that would end the link are encoded); undefined otherwise. */
export function slackLink(raw: unknown, label: string): string | undefined {
  const url = safeHttpUrl(raw);
  if (!url) return undefined;
  return `<${escapeMrkdwn(url)}|${escapeMrkdwn(label.replace(/\|/g, '/'))}>`;
}
