import { z } from 'zod';
import { registerSecret } from '../observability/redact.js';

/**
 * What a config field says about itself, beside its schema: the environment variable that
 * overrides it ("the environment wins", DESIGN.md) and whether its value is a secret. The
 * loader finds the marks by walking the root schema, so the section that owns a field (a
 * core section, an action's settings or credentials, a check type) is the only place that
 * names its variable or calls it secret: there is no central list to keep in step.
 */
export interface FieldMark {
  /** The environment variable that overrides this field when it is set and not empty. */
  env?: string;
  /** How the variable's text becomes the field's value (validated by the schema after). @defaultValue the text */
  parse?: (text: string) => unknown;
  /** Every string in the value is registered for redaction when the config is loaded. */
  secret?: boolean;
}

const fieldMarks = z.registry<FieldMark>();

/** Marks a copy of `schema` (a schema may be shared by several fields, each with its own mark). */
function marked<T extends z.ZodType>(schema: T, mark: FieldMark): T {
  const copy = schema.clone() as T;
  fieldMarks.add(copy, mark);
  return copy;
}

/** A secret field: registered for redaction at load; `env` names the variable that overrides it. */
export function secret<T extends z.ZodType>(schema: T, options: { env?: string; parse?: (text: string) => unknown } = {}): T {
  return marked(schema, { ...options, secret: true });
}

/** A field the environment variable `env` overrides. */
export function fromEnv<T extends z.ZodType>(schema: T, env: string, parse?: (text: string) => unknown): T {
  return marked(schema, { env, ...(parse ? { parse } : {}) });
}

/** `a, b,,c` → ["a", "b", "c"]: lists given in one variable (tokens for rotation, host:port nodes). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** true/false (1/0, yes/no, on/off); anything else is left for the schema to refuse. */
export function parseBool(text: string): unknown {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  return text;
}

/** The parts of a zod schema's definition that the config walks (marks, known keys) look at. */
export interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  valueType?: z.ZodType;
}

export const defOf = (schema: z.ZodType): Def => schema._zod.def as Def;

/** One marked field: its path from the root (`*` for every element of a list or record). */
export interface MarkedField extends FieldMark {
  path: string[];
}

/** Every marked field reachable from `schema` (wrappers, pipes and unions are looked through). */
export function markedFields(schema: z.ZodType, path: string[] = []): MarkedField[] {
  const mark = fieldMarks.get(schema);
  const here: MarkedField[] = mark ? [{ ...mark, path }] : [];
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  if (inner) return [...here, ...markedFields(inner, path)];
  switch (def.type) {
    case 'object':
      return [...here, ...Object.entries(def.shape ?? {}).flatMap(([key, field]) => markedFields(field, [...path, key]))];
    case 'array':
      return def.element ? [...here, ...markedFields(def.element, [...path, '*'])] : here;
    case 'record':
      return def.valueType ? [...here, ...markedFields(def.valueType, [...path, '*'])] : here;
    case 'union':
      return [...here, ...(def.options ?? []).flatMap((o) => markedFields(o, path))];
    default:
      return here;
  }
}

/** One environment override: set `path` of the raw config to the parsed variable. */
export interface EnvOverride {
  env: string;
  path: string[];
  parse?: (text: string) => unknown;
}

/**
 * The environment overrides the marks declare. A variable inside a list (`*`) has no single
 * field to set, and one variable for two fields is ambiguous: both are programming errors.
 */
export function envOverrides(schema: z.ZodType): EnvOverride[] {
  const seen = new Map<string, string>();
  const out: EnvOverride[] = [];
  for (const field of markedFields(schema)) {
    if (!field.env) continue;
    const at = field.path.join('.');
    if (field.path.includes('*')) throw new Error(`config field ${at}: ${field.env} cannot override a field inside a list`);
    const other = seen.get(field.env);
    if (other !== undefined && other !== at) throw new Error(`${field.env} is declared for both ${other} and ${at}`);
    if (other !== undefined) continue;
    seen.set(field.env, at);
    out.push({ env: field.env, path: field.path, ...(field.parse ? { parse: field.parse } : {}) });
  }
  return out;
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  if (value === null || typeof value !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  const next = head === '*' ? Object.values(value) : [(value as Record<string, unknown>)[head]];
  return next.flatMap((v) => (v === undefined ? [] : valuesAt(v, rest)));
}

/** The values of the secret-marked fields of a parsed config (every string in each). */
export function secretValues(schema: z.ZodType, parsed: unknown): string[] {
  return markedFields(schema)
    .filter((f) => f.secret)
    .flatMap((f) => valuesAt(parsed, f.path).flatMap((v) => stringsIn(v)));
}

/** Registers every secret-marked value of a parsed config for redaction (observability/redact.ts). */
export function registerMarkedSecrets(schema: z.ZodType, parsed: unknown): void {
  for (const value of secretValues(schema, parsed)) registerSecret(value);
}
