import { z } from 'zod';

/**
 * A record an owner found in Redis but cannot read: written by another version, by hand, or
 * damaged. Owners return it instead of throwing, so one bad record never blanks a page or
 * stops a job; `problem` names what is wrong without quoting the stored text.
 */
export interface UnreadableRecord {
  readonly unreadable: true;
  /** Which record, in the owner's words (e.g. `check "api"`, `certificate edge/a.example`). */
  readonly what: string;
  readonly problem: string;
}

export function isUnreadable(value: unknown): value is UnreadableRecord {
  return typeof value === 'object' && value !== null && (value as { unreadable?: unknown }).unreadable === true;
}

function unreadable(what: string, problem: string): UnreadableRecord {
  return { unreadable: true, what, problem };
}

/** Up to three zod issues as `path: message`, never the values themselves. */
export function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(record)'}: ${i.message}`);
  return issues.join('; ') + (error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '');
}

/** Parses a value the owner already decoded (a Redis hash) with its schema. */
export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> | UnreadableRecord {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : unreadable(what, describeIssues(parsed.error));
}

/**
 * Reads one JSON record (a GET reply): undefined when there is none, the typed value when it
 * fits the schema, else an UnreadableRecord.
 */
export function parseJsonRecord<S extends z.ZodType>(schema: S, raw: string | null | undefined, what: string): z.output<S> | UnreadableRecord | undefined {
  if (raw === null || raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return unreadable(what, 'not JSON');
  }
  return parseRecord(schema, value, what);
}
