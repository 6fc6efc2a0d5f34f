import { z } from 'zod';
import { regexSource } from './base.js';

/**
 * A small, documented JSONPath subset: `$` then any of `.key`, `["key"]`, `[index]`.
 * No wildcards, filters or recursive descent: a condition names one value.
 */
export function parseJsonPath(path: string): (string | number)[] {
  if (!path.startsWith('$')) throw new Error('must start with "$"');
  const parts: (string | number)[] = [];
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\['((?:[^'\\]|\\.)*)'\]/y;
  let i = 1;
  while (i < path.length) {
    token.lastIndex = i;
    const m = token.exec(path);
    if (!m) throw new Error(`unexpected "${path.slice(i)}" (supported: .key, ["key"], [index])`);
    parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1')));
    i = token.lastIndex;
  }
  return parts;
}

function selectJsonPath(value: unknown, parts: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let node = value;
  for (const part of parts) {
    if (
      typeof part === 'number'
        ? !Array.isArray(node) || part >= node.length
        : node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)
    ) {
      return { found: false };
    }
    node = (node as Record<string | number, unknown>)[part];
  }
  return { found: true, value: node };
}

export const jsonConditionSchema = z
  .strictObject({
    path: z.string().superRefine((p, ctx) => {
      try {
        parseJsonPath(p);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `invalid JSON path: ${(err as Error).message}` });
      }
    }),
    /** The value must equal this (JSON scalar). */
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    /** The value, as text, must match this regular expression. */
    matches: regexSource.optional(),
    /** The path must (true, default when nothing else is given) or must not (false) exist. */
    exists: z.boolean().optional(),
  })
  .refine((c) => [c.equals, c.matches, c.exists].filter((x) => x !== undefined).length <= 1, 'use one of equals, matches, exists');

export type JsonCondition = z.infer<typeof jsonConditionSchema>;

/** Returns undefined when the condition holds, else why not. */
export function checkJsonCondition(doc: unknown, c: JsonCondition): string | undefined {
  const hit = selectJsonPath(doc, parseJsonPath(c.path));
  if (c.exists === false) return hit.found ? `${c.path} exists` : undefined;
  if (!hit.found) return `${c.path} not found`;
  if (c.equals !== undefined && hit.value !== c.equals) return `${c.path} is ${JSON.stringify(hit.value)}, expected ${JSON.stringify(c.equals)}`;
  if (c.matches !== undefined) {
    const text = typeof hit.value === 'string' ? hit.value : JSON.stringify(hit.value);
    if (!new RegExp(c.matches).test(text)) return `${c.path} is ${JSON.stringify(hit.value)}, does not match /${c.matches}/`;
  }
  return undefined;
}
