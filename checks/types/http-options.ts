import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TlsClientOptions } from './http-request.js';

/** Fields shared by `http` and the HTTP-based presets: how the request travels. */
export const transportShape = {
  /** Follow 3xx answers (up to maxRedirects). @defaultValue true */
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(20).default(10),
  /** Address family tried first: any (OS order), ipv4 or ipv6. @defaultValue any */
  ipFamily: z.enum(['any', 'ipv4', 'ipv6']).default('any'),
  /** With ipFamily ipv4/ipv6: also try the other family when the preferred has no address. @defaultValue true */
  ipFallback: z.boolean().default(true),
  tls: z
    .strictObject({
      insecureSkipVerify: z.boolean().default(false),
      /** PEM file of extra trusted CAs (read at config load). */
      caFile: z.string().optional(),
      serverName: z.string().optional(),
    })
    .prefault({}),
  /** Bytes of the body kept for assertions. @defaultValue 1 MiB */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
};

/** Reads caFile once at load, so a missing file is a config error, not a probe failure. */
export function loadTls(
  tls: { insecureSkipVerify: boolean; caFile?: string | undefined; serverName?: string | undefined },
  ctx: z.RefinementCtx,
): TlsClientOptions {
  let ca: string | undefined;
  if (tls.caFile) {
    try {
      ca = readFileSync(tls.caFile, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'caFile'], message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  }
  return { insecureSkipVerify: tls.insecureSkipVerify, ca, serverName: tls.serverName };
}

/** An expected status: a number (200) or a class ("2xx"). */
export const statusSpec = z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5]xx$/, 'must be a status code or a class like "2xx"')]);

export function statusMatches(status: number, specs: readonly (number | string)[]): boolean {
  return specs.some((s) => (typeof s === 'number' ? s === status : Math.floor(status / 100) === Number(s[0])));
}
