/**
 * Sets `size = N` inside one `resource "hcloud_volume" "<name>"` block of a Terraform file,
 * changing only that line (indentation, alignment, comments and line endings stay). A pure
 * function, so the drift PR changes exactly what it says.
 */

export type TerraformSizeEdit = { ok: true; text: string; previousSize: number; changed: boolean } | { ok: false; reason: string };

/** "hcloud_volume.data" -> { type, name }; undefined when it is not `<type>.<name>`. */
function parseResourceAddress(address: string): { type: string; name: string } | undefined {
  const m = /^([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)$/.exec(address.trim());
  return m ? { type: m[1] as string, name: m[2] as string } : undefined;
}

export function setVolumeSize(text: string, address: string, sizeGb: number): TerraformSizeEdit {
  const resource = parseResourceAddress(address);
  if (!resource) return { ok: false, reason: `"${address}" is not a resource address like hcloud_volume.data` };
  const lines = text.split('\n');
  const header = new RegExp(`^\\s*resource\\s+"${escape(resource.type)}"\\s+"${escape(resource.name)}"\\s*\\{\\s*(#.*|//.*)?\\r?$`);
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return { ok: false, reason: `resource "${resource.type}" "${resource.name}" not found` };

  let depth = 0;
  let sizeLine = -1;
  let end = -1;
  for (let i = start; i < lines.length && end < 0; i++) {
    const code = stripComment(lines[i] as string);
    // A `size` attribute belongs to this resource only at the block's own level (depth 1).
    if (i > start && depth === 1 && /^\s*size\s*=/.test(code)) {
      if (sizeLine >= 0) return { ok: false, reason: `resource "${resource.type}" "${resource.name}" sets size twice` };
      sizeLine = i;
    }
    for (const ch of code) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
  }
  if (end < 0) return { ok: false, reason: `resource "${resource.type}" "${resource.name}" has no closing brace` };
  if (sizeLine < 0) return { ok: false, reason: `resource "${resource.type}" "${resource.name}" has no size attribute` };

  const line = lines[sizeLine] as string;
  const m = /^(\s*size\s*=\s*)(\d+)([\s\S]*)$/.exec(line);
  if (!m) return { ok: false, reason: `size of "${resource.type}" "${resource.name}" is not a literal number: ${line.trim()}` };
  const previousSize = Number(m[2]);
  if (previousSize === sizeGb) return { ok: true, text, previousSize, changed: false };
  lines[sizeLine] = `${m[1]}${sizeGb}${m[3]}`;
  return { ok: true, text: lines.join('\n'), previousSize, changed: true };
}

/** Drops a trailing `#` or `//` comment and string contents, so braces in them do not count. */
function stripComment(line: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += '""';
      continue;
    }
    if (ch === '#' || (ch === '/' && line[i + 1] === '/')) break;
    out += ch;
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
