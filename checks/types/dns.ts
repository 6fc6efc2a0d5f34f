import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineCheckType, type ProbeResult } from '../check-type.js';
import { describeError } from './probe-failure.js';
import { raceAbort } from './tcp.js';
import { probeDeadline } from './deadline.js';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA'] as const;

const dnsFields = {
  /** The name to resolve. */
  query: z.string().min(1),
  recordType: z.enum(RECORD_TYPES).default('A'),
  /** DNS servers ("ip" or "ip:port"); @defaultValue the system's resolvers */
  servers: z.array(z.string()).optional(),
  expect: z
    .strictObject({
      /** Every one of these values must be in the answer (MX as "10 mx.example.com", SRV as "prio weight port target"). */
      values: z.array(z.string()).default([]),
      /** The answer must hold exactly these values (in any order). */
      exactly: z.array(z.string()).optional(),
      /** At least one record. @defaultValue true */
      nonEmpty: z.boolean().default(true),
    })
    .prefault({}),
};

/** Answers as comparable strings, whatever the record type. */
async function resolveAsText(resolver: Resolver, name: string, type: (typeof RECORD_TYPES)[number]): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'NS':
      return resolver.resolveNs(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((r) => `${r.priority} ${r.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`);
    case 'CAA':
      return (await resolver.resolveCaa(name)).map((r) =>
        Object.entries(r)
          .filter(([k]) => k !== 'critical')
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(' '),
      );
  }
}

export const dnsCheck = defineCheckType({
  type: 'dns',
  fields: dnsFields,
  phases: ['dns'],
  reasons: ['dns', 'timeout', 'assertion'],
  example: { query: 'example.com' },
  async probe(check, ctx): Promise<ProbeResult> {
    const started = performance.now();
    const resolver = new Resolver({ timeout: check.timeoutMs, tries: 1 });
    if (check.servers) resolver.setServers(check.servers);
    const signal = probeDeadline(ctx.signal, check.timeoutMs);
    const elapsed = () => (performance.now() - started) / 1000;
    let answers: string[];
    try {
      answers = await raceAbort(resolveAsText(resolver, check.query, check.recordType), signal);
    } catch (err) {
      resolver.cancel();
      const code = (err as { code?: string }).code;
      if (signal.aborted || code === 'ETIMEOUT')
        return {
          success: false,
          durationSeconds: elapsed(),
          phases: { dns: elapsed() },
          failureReason: 'timeout',
          error: `no DNS answer within ${check.timeoutMs}ms`,
        };
      if (code === 'ENODATA' || code === 'ENOTFOUND') answers = [];
      else return { success: false, durationSeconds: elapsed(), phases: { dns: elapsed() }, failureReason: 'dns', error: describeError(err) };
    }
    const phases = { dns: elapsed() };
    const details = { answers };
    const norm = (v: string) => v.toLowerCase().replace(/\.$/, '');
    const have = new Set(answers.map(norm));
    const fail = (error: string): ProbeResult => ({ success: false, durationSeconds: elapsed(), phases, failureReason: 'assertion', error, details });
    if (check.expect.nonEmpty && answers.length === 0) return { ...fail(`no ${check.recordType} records for ${check.query}`), failureReason: 'dns' };
    const missing = check.expect.values.filter((v) => !have.has(norm(v)));
    if (missing.length > 0) return fail(`${check.recordType} ${check.query}: missing ${missing.join(', ')} (got ${answers.join(', ') || 'nothing'})`);
    if (check.expect.exactly) {
      const want = new Set(check.expect.exactly.map(norm));
      if (want.size !== have.size || [...want].some((v) => !have.has(v)))
        return fail(`${check.recordType} ${check.query}: got ${answers.join(', ') || 'nothing'}, expected exactly ${check.expect.exactly.join(', ')}`);
    }
    return { success: true, durationSeconds: elapsed(), phases, details };
  },
});
