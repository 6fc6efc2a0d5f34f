/**
 * Expands `${VAR}` and `${VAR:-default}` in the raw config text, before YAML parsing, so a
 * value can be any YAML scalar (a port, a boolean, a URL). `$${` escapes a literal `${`. An
 * unset variable without a default is an error that names it and the line, rather than a
 * silent empty string.
 *
 * A variable's value always stays one scalar: it is never read as YAML structure. Inside
 * double quotes it is escaped as a double-quoted string (so `"`, `\` and line breaks are
 * kept literally); inside single quotes `'` is doubled; unquoted, it goes in as it is only
 * when it is a plain word (letters, digits, `_.-/+=~@%` and inner `:`), else it becomes a
 * double-quoted scalar when it is the whole value, and is refused otherwise. A variable
 * holding a line break and `apiUrl: …` rewrote the shipped config before this.
 * Defaults written in the file are the file's own text and go in as they are.
 */
export interface ExpandResult {
  text: string;
  /** Variables used, for the secret scrubber: values of secret-looking names are redacted. */
  used: Map<string, string>;
  missing: { name: string; line: number }[];
  /** Values that cannot stay one scalar where they are referenced (the reason says how to fix it). */
  refused: { name: string; line: number; reason: string }[];
}

const REF = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/y;
/** A value that reads as one plain scalar anywhere: no spaces, quotes, brackets, `#`, `,` or indicators. */
const PLAIN_WORD = /^[A-Za-z0-9_./+=~-](?:[A-Za-z0-9_./+=~@%:-]*[A-Za-z0-9_./+=~@%-])?$/;

/** Whether a scalar starts after `before`: at line start, or after `key: `, `- `, `? `, `[`, `{` or `,`. */
function startsScalar(before: string): boolean {
  const t = before.trimEnd();
  if (t === '') return true;
  const last = t[t.length - 1];
  if (last === '[' || last === '{' || last === ',') return true;
  if (t.length === before.length) return false; // `key:x`, `a-x`: inside a plain scalar
  if (last === ':') return true;
  return (last === '-' || last === '?') && (t.length === 1 || /\s/.test(t[t.length - 2] as string));
}

/** Whether a scalar ends before `after`: at line end (or a comment), or before `,`, `]` or `}`. */
function endsScalar(after: string): boolean {
  const t = after.trimStart();
  return t === '' || t[0] === ',' || t[0] === ']' || t[0] === '}';
}

type Quote = '"' | "'" | null;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): ExpandResult {
  const used = new Map<string, string>();
  const missing: ExpandResult['missing'] = [];
  const refused: ExpandResult['refused'] = [];
  const out = text.split('\n').map((line, index) => {
    let result = '';
    let quote: Quote = null;
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as string;
      // An escape in double quotes, a doubled quote in single quotes: the string goes on.
      if ((quote === '"' && c === '\\') || (quote === "'" && c === "'" && line[i + 1] === "'")) {
        result += line.slice(i, i + 2);
        i++;
        continue;
      }
      if (c === '$') {
        REF.lastIndex = i;
        const m = REF.exec(line);
        if (m) {
          const [whole, escaped, name = '', fallback] = m;
          i += whole.length - 1;
          if (escaped) {
            result += whole.slice(1);
            continue;
          }
          const value = env[name];
          if (value === undefined || value === '') {
            if (fallback !== undefined) result += fallback;
            else if (value === undefined) missing.push({ name, line: index + 1 });
            continue;
          }
          used.set(name, value);
          const placed = placeValue(value, quote, result, commentFree(line.slice(i + 1)));
          if (typeof placed === 'string') result += placed;
          else refused.push({ name, line: index + 1, reason: placed.reason });
          continue;
        }
      }
      if (quote) {
        if (c === quote) quote = null;
      } else if ((c === '"' || c === "'") && startsScalar(result)) {
        quote = c;
      } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
        // A comment: not expanded (a documented example must not require its variable).
        return result + line.slice(i);
      }
      result += c;
    }
    return result;
  });
  return { text: out.join('\n'), used, missing, refused };
}

/** The line's rest up to a comment (for deciding whether a reference is a whole scalar). */
function commentFree(rest: string): string {
  const hash = rest.search(/(?:^|\s)#/);
  return hash < 0 ? rest : rest.slice(0, hash);
}

/** The text that puts `value` at this place as part of one scalar, or why it cannot. */
function placeValue(value: string, quote: Quote, before: string, after: string): string | { reason: string } {
  if (quote === '"') return JSON.stringify(value).slice(1, -1);
  if (quote === "'") {
    if (/[\r\n]/.test(value)) return { reason: 'its value has a line break, which a single-quoted string cannot keep; use double quotes: "${…}"' };
    return value.replaceAll("'", "''");
  }
  if (PLAIN_WORD.test(value)) return value;
  if (startsScalar(before) && endsScalar(after)) return JSON.stringify(value);
  return {
    reason: 'its value has spaces, quotes, line breaks or YAML punctuation and would change the file around it; put the reference in double quotes: "…${…}…"',
  };
}
