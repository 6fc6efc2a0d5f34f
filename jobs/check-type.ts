import type { z } from 'zod';

/** Fields every check has, whatever its type (see DESIGN.md `checks:`). */
export interface CheckBase {
  name: string;
  type: string;
  intervalMs: number;
}

/**
 * One kind of scheduled check (http, tcp, dns, tls, ...). Adding a type is one file exporting
 * one of these and one line in jobs/registry.ts; its schema joins the config's `checks` union.
 */
export interface CheckType<C extends CheckBase = CheckBase> {
  readonly type: string;
  readonly schema: z.ZodType<C>;
}
