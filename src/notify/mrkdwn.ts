/**
 * Sender text on its way into Slack mrkdwn. Alert labels, annotations and URLs are chosen by
 * whoever can post a webhook: they must not ping (`<!channel>`), link (`<https://evil|click>`)
 * or format by accident.
 */

/** Slack's own escaping of the three control characters: `<!channel>` shows as text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const MAX_URL = 2_048;
/** Whitespace, controls, and what ends or splits Slack's `<url|text>` syntax. */
const UNSAFE_IN_LINK = /[\s\u0000-\u001f\u007f<>|"`\\]/;

/**
 * The URL if it is a clean absolute http(s) URL without credentials, else undefined. A sender's
 * URL that is anything else (another scheme, `|text` or `>` tricks, userinfo) is dropped, not
 * repaired: a repaired link still points where the sender wanted.
 */
export function cleanHttpUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > MAX_URL || UNSAFE_IN_LINK.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !url.hostname) return undefined;
  const href = url.href;
  return UNSAFE_IN_LINK.test(href) ? undefined : href.replace(/&/g, '&amp;');
}

/** `<url|label>` for a clean URL (the label is ours), else undefined. */
export function safeLink(raw: string | undefined, label: string): string | undefined {
  const url = cleanHttpUrl(raw);
  return url ? `<${url}|${escapeMrkdwn(label)}>` : undefined;
}
