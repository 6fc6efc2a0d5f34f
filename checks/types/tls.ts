import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { withClientSpan } from '../../src/observability/tracing.js';
import { scrub } from '../../src/observability/redact.js';
import { defineCheckType, type CheckBase, type CheckResultContext, type FailureReason, type ProbeMetric, type ProbeResult } from '../check-type.js';
import { TLS_REASONS, TrustAnchors, type TlsReason } from '../../src/tls/chain.js';
import { TlsConnectError, parseTarget, readAcmeJson, readCertificateFiles, readLiveChain, type CertificateSource } from '../../src/tls/sources.js';
import { notifyLevels, type ExpiryLevel } from '../../src/tls/levels.js';
import { dialectForPort, findDialect, tlsDialects } from '../../src/tls/dialects.js';
import { TlsInventory, type TrackedCertificate } from '../../src/tls/inventory.js';
import { recordTlsMetrics } from '../../src/tls/metrics.js';
import { reportCertificate, type CertificateReport } from '../../src/tls/report.js';

const targetField = z.string().refine((t) => parseTarget(t) !== undefined, 'must be "host:port" (or "[ipv6]:port")');

const tlsFields = {
  /** Live endpoint, "host:port". */
  target: targetField.optional(),
  /** PEM files or globs (`*`, `?`, `**`); each file is a leaf followed by its chain. */
  files: z.array(z.string().min(1)).min(1).optional(),
  /** A Traefik acme.json: every certificate in it, watched before it is ever served. */
  acmeJson: z.string().min(1).optional(),
  /**
   * Protocol spoken before the handshake on a `target` (e.g. smtp, imap, pop3, postgres: see
   * src/tls/dialects.ts). @defaultValue by port (587 -> smtp, ...), else none
   */
  starttls: z.string().min(1).optional(),
  /** SNI name and the name the leaf must cover. @defaultValue the target's host */
  serverName: z.string().min(1).optional(),
  /** Extra trusted CA certificates (PEM), besides Node's bundled roots. */
  caFile: z.string().min(1).optional(),
  /** false: report chain problems but judge the check only on dates and names. @defaultValue true */
  verify: z.boolean().default(true),
  warnDays: z.number().positive().default(14),
  criticalDays: z.number().nonnegative().default(7),
};

/** A tls check as the probe sees it. */
export type TlsCheck = z.output<z.ZodObject<typeof tlsFields>> & CheckBase;

/** `ProbeResult.details` of a tls check. */
export interface TlsDetails {
  certificates: CertificateReport[];
  /** The most serious problem among the certificates (also failureReason 'tls'). */
  tlsReason?: TlsReason;
  /** The worst expiry level among the leaves. */
  level: ExpiryLevel;
  /** Soonest leaf notAfter, Unix seconds. */
  leafExpirySeconds: number;
  /** Soonest notAfter among served/stored certificates (trust anchors excluded), Unix seconds. */
  earliestExpirySeconds: number;
  /** Soonest notAfter of the verified chain including its root; absent unless every chain verifies. */
  lastChainExpirySeconds?: number;
  chainVerified: boolean;
  verifyError?: string;
  protocol?: string;
}

/** Reads the certificates a check watches, from its one source. */
async function readSources(check: TlsCheck, anchors: TrustAnchors, now: number, signal?: AbortSignal) {
  if (check.target) {
    const { host, port } = parseTarget(check.target) as { host: string; port: number };
    const live = await withClientSpan('tls.handshake', { 'server.address': host, 'server.port': port, 'tls.server_name': check.serverName ?? host }, () =>
      readLiveChain({
        host,
        port,
        serverName: check.serverName,
        caPem: anchors.extraPem,
        timeoutMs: check.timeoutMs,
        signal,
        dialect: check.starttls ? findDialect(check.starttls) : undefined,
      }),
    );
    return { sources: [live.source], phases: live.phases, protocol: live.protocol };
  }
  if (check.files) return { sources: await readCertificateFiles(check.files, anchors, now, check.serverName), phases: {} };
  return { sources: await readAcmeJson(check.acmeJson as string, anchors, now), phases: {} };
}

function worst<T extends string>(order: readonly T[], values: readonly (T | undefined)[], pick: 'first' | 'last'): T | undefined {
  const ranks = values.filter((v): v is T => v !== undefined).map((v) => order.indexOf(v));
  if (ranks.length === 0) return undefined;
  return order[pick === 'first' ? Math.min(...ranks) : Math.max(...ranks)];
}

function summarize(reports: CertificateReport[], sources: CertificateSource[], protocol?: string): TlsDetails {
  const served = reports.flatMap((r) => r.chain.filter((c, i) => i === 0 || !c.trustAnchor));
  const chainVerified = sources.every((s) => s.verifyCode === undefined || s.verifyCode === 'ERR_TLS_CERT_ALTNAME_INVALID');
  const verifyError = sources.find((s) => s.verifyCode)?.verifyCode;
  const tlsReason = worst(
    TLS_REASONS,
    reports.map((r) => r.reason),
    'first',
  );
  return {
    certificates: reports,
    ...(tlsReason ? { tlsReason } : {}),
    level:
      worst(
        ['ok', 'warning', 'critical', 'expired'] as const,
        reports.map((r) => r.level),
        'last',
      ) ?? 'ok',
    leafExpirySeconds: Math.min(...reports.map((r) => r.leaf.notAfterSeconds)),
    earliestExpirySeconds: Math.min(...served.map((c) => c.notAfterSeconds)),
    ...(chainVerified ? { lastChainExpirySeconds: Math.min(...reports.flatMap((r) => r.chain.map((c) => c.notAfterSeconds))) } : {}),
    chainVerified,
    ...(verifyError ? { verifyError } : {}),
    ...(protocol ? { protocol } : {}),
  };
}

async function probeTls(check: TlsCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const now = Date.now();
  let anchors: TrustAnchors;
  let read: Awaited<ReturnType<typeof readSources>>;
  try {
    anchors = TrustAnchors.create(check.caFile ? await readCaFile(check.caFile) : undefined);
    read = await readSources(check, anchors, now, signal);
  } catch (err) {
    const failureReason: FailureReason = err instanceof TlsConnectError ? err.reason : 'other';
    return { success: false, durationSeconds: elapsed(), phases: {}, failureReason, error: scrub((err as Error).message) };
  }
  if (read.sources.length === 0) {
    return { success: false, durationSeconds: elapsed(), phases: read.phases, failureReason: 'other', error: 'no certificate found in the configured source' };
  }
  const reports = read.sources.map((source) => reportCertificate(source, anchors, now, check));
  const details = summarize(reports, read.sources, read.protocol);
  // With verify: false, a broken chain is reported (details) but does not fail the check.
  const failing = reports.filter((r) => r.reason && (check.verify || (r.reason !== 'untrusted_chain' && r.reason !== 'self_signed')));
  const result: ProbeResult = { success: failing.length === 0, durationSeconds: elapsed(), phases: read.phases, details: { ...details } };
  if (failing.length > 0) {
    result.failureReason = 'tls';
    result.error = failing
      .slice(0, 3)
      .map((r) => `${r.name}: ${r.reason}${r.error ? ` (${r.error})` : ''}`)
      .join('; ');
  }
  return result;
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read caFile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** After each run: announce new levels, renewals and chain problems; update metrics and the inventory. */
async function onTlsResult(check: TlsCheck, result: ProbeResult, ctx: CheckResultContext): Promise<void> {
  const details = result.details as TlsDetails | undefined;
  if (!details?.certificates) return; // nothing was read: the up/down state machine reports that
  const inventory = new TlsInventory(ctx.redis, ctx.config.redis.prefix);
  const now = Date.now();
  const tracked: TrackedCertificate[] = [];
  for (const report of details.certificates) {
    const { leaf } = report;
    const plan = await notifyLevels(
      { inventory, threads: ctx.threads, logger: ctx.logger },
      {
        check: check.name,
        name: report.name,
        commonName: leaf.commonName,
        issuer: leaf.issuer,
        notAfter: leaf.notAfter,
        daysLeft: leaf.daysLeft,
        fingerprint: leaf.fingerprint,
        level: report.level,
        ...(report.reason ? { reason: report.reason, error: report.error } : {}),
      },
    );
    if (plan.renewed) {
      // Deduplicated by the new fingerprint: a second replica seeing the same renewal writes nothing.
      await ctx.audit?.record(
        {
          kind: 'renewed',
          action: 'tls-check',
          resource: report.name,
          summary: `certificate ${report.name} renewed: ${leaf.commonName}, valid until ${leaf.notAfter.slice(0, 10)}`,
          details: { check: check.name, daysLeft: Math.floor(leaf.daysLeft) },
        },
        `tls-renewed:${check.name}:${report.name}:${leaf.fingerprint}`,
      );
    }
    tracked.push({
      check: check.name,
      name: report.name,
      kind: report.kind,
      commonName: leaf.commonName,
      sans: leaf.sans,
      issuer: leaf.issuer,
      notAfter: leaf.notAfter,
      fingerprint: leaf.fingerprint,
      level: report.level,
      ...(report.reason ? { reason: report.reason } : {}),
      checkedAt: new Date(now).toISOString(),
    });
  }
  recordTlsMetrics({ check: check.name, leaves: tracked, now });
  await inventory.saveTracked(check.name, tracked);
}

/** Reads a figure of a tls result; null (drop the series) when certificates were read without it. */
const tlsFigure = (key: 'earliestExpirySeconds' | 'lastChainExpirySeconds') => (result: ProbeResult) => {
  const details = result.details as Partial<TlsDetails> | undefined;
  if (!details?.certificates) return undefined; // nothing read: keep the last known figure
  return details[key] ?? null;
};

const TLS_PROBE_METRICS: readonly ProbeMetric[] = [
  {
    name: 'probe_ssl_earliest_cert_expiry',
    help: 'Earliest notAfter (Unix seconds) among the certificates a tls check was served or read (trust-store roots excluded).',
    read: tlsFigure('earliestExpirySeconds'),
  },
  {
    name: 'probe_ssl_last_chain_expiry_timestamp_seconds',
    help: 'Earliest notAfter (Unix seconds) of the verified chain, root included; absent when the chain does not verify.',
    read: tlsFigure('lastChainExpirySeconds'),
  },
];

/** TLS certificate expiry and chain validity of a live endpoint, PEM files or a Traefik acme.json. */
export const tlsCheck = defineCheckType({
  type: 'tls',
  // Certificates change slowly: hourly, and one failed read is worth a message.
  defaults: { intervalMs: 3_600_000, failureThreshold: 1 },
  fields: tlsFields,
  resolve(own, ctx) {
    const sources = [own.target, own.files, own.acmeJson].filter((s) => s !== undefined).length;
    if (sources !== 1) ctx.addIssue({ code: 'custom', message: 'a tls check needs exactly one of target, files, acmeJson', path: [] });
    if (own.criticalDays >= own.warnDays) ctx.addIssue({ code: 'custom', message: `must be below warnDays (${own.warnDays})`, path: ['criticalDays'] });
    if (own.starttls !== undefined && !findDialect(own.starttls)) {
      ctx.addIssue({
        code: 'custom',
        path: ['starttls'],
        message: `unknown protocol "${own.starttls}" (known: ${tlsDialects.map((d) => d.name).join(', ') || 'none'})`,
      });
    }
    if (own.starttls !== undefined && own.target === undefined) ctx.addIssue({ code: 'custom', path: ['starttls'], message: 'only applies to a target' });
    const port = own.target !== undefined ? parseTarget(own.target)?.port : undefined;
    const starttls = own.starttls ?? (port !== undefined ? dialectForPort(port)?.name : undefined);
    return { ...own, ...(starttls !== undefined ? { starttls } : {}) };
  },
  phases: ['connect', 'tls'],
  reasons: ['dns', 'connect', 'timeout', 'tls', 'starttls', 'other'],
  metrics: TLS_PROBE_METRICS,
  example: { target: 'api.example.com:443' },
  probe: (check, ctx) => probeTls(check, ctx.signal),
  onResult: onTlsResult,
});

export const tlsCheckSchema = tlsCheck.schema;
