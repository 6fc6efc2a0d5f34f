/**
 * Expands `${VAR}` and `${VAR:-default}` in the raw config text, before YAML parsing, so a
 * value can be any YAML scalar. `$${` escapes a literal `${`. An unset variable without a
 * default is an error that names it and the line, rather than a silent empty string.
 */
export interface ExpandResult {
  text: string;
  /** Variables used, for the secret scrubber: values of secret-looking names are redacted. */
  used: Map<string, string>;
  missing: { name: string; line: number }[];
}

const REF = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnv(text: string, env: NodeJS.ProcessEnv): ExpandResult {
  const used = new Map<string, string>();
  const missing: { name: string; line: number }[] = [];
  const lines = text.split('\n');
  const out = lines.map((line, index) => {
    // Comments are not expanded: a documented example must not require its variable.
    const hash = commentStart(line);
    const code = hash < 0 ? line : line.slice(0, hash);
    const comment = hash < 0 ? '' : line.slice(hash);
    const expanded = code.replace(REF, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const value = env[name];
      if (value !== undefined && value !== '') {
        used.set(name, value);
        return value;
      }
      if (fallback !== undefined) return fallback;
      if (value === '') return '';
      missing.push({ name, line: index + 1 });
      return '';
    });
    return expanded + comment;
  });
  return { text: out.join('\n'), used, missing };
}

/** Index of a YAML comment's `#` (start of line or after whitespace, outside quotes), or -1. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return i;
    }
  }
  return -1;
}
