import { escapeMrkdwn } from '../src/notify/slack-text.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { durationMs } from '../src/config/duration.js';
import type { AppConfig } from '../src/config/schema.js';
import { PermanentError, TransientError } from '../src/errors.js';
import type { ChatMessage } from '../src/notify/notifier.js';
import { withClientSpan } from '../src/observability/tracing.js';
import { TrustAnchors } from '../src/tls/chain.js';
import { formatDaysLeft, shortFingerprint } from '../src/tls/levels.js';
import { TlsConnectError, parseTarget, readLiveChain } from '../src/tls/sources.js';
import { reportCertificate, type CertificateReport } from '../src/tls/report.js';
import { defineAction } from '../src/action.js';
import { threadsWithAlertContext } from '../src/notify/alert-context.js';

const namePattern = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (!value.startsWith('=~')) return;
    try {
      new RegExp(`^(?:${value.slice(2)})$`);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
    }
  });

const targetField = z
  .string()
  .refine((t) => parseTarget(t.replace(/\{name\}/g, 'example.com')) !== undefined, 'must be "host:port"; "{name}" stands for the certificate name');

export const tlsVerifySettingsSchema = z.strictObject({
  /**
   * Allowlist: which certificate names an alert may make us check, and where. First match wins.
   * `match`: an exact name, `*.example.com` (one label under it), or `=~` + a regex.
   */
  names: z
    .array(
      z.strictObject({
        match: namePattern,
        /** Where to connect. @defaultValue "{name}:443" */
        target: targetField.default('{name}:443'),
        /** SNI to send; needed for a wildcard certificate name. @defaultValue the name */
        serverName: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
      }),
    )
    .default([]),
  /** Names served by `tls` checks with a `target` are allowed too, at that target. @defaultValue true */
  includeCheckTargets: z.boolean().default(true),
  /** Extra trusted CAs for every name (PEM). */
  caFile: z.string().min(1).optional(),
  timeout: durationMs.default(10_000),
  /** Above this many days left the certificate counts as renewed. @defaultValue 14 */
  warnDays: z.number().positive().default(14),
  criticalDays: z.number().nonnegative().default(7),
});
export type TlsVerifySettings = z.output<typeof tlsVerifySettingsSchema>;

/** Where to look for one allowed certificate name. */
export interface VerifyTarget {
  name: string;
  host: string;
  port: number;
  serverName: string;
  caFile?: string;
}

const DNS_NAME = /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The certificate name an alert is about: `cn`, else the first of `sans`, else `domain`. Untrusted. */
export function certificateName(labels: Readonly<Record<string, string>>): string | undefined {
  const candidates = [labels.cn, labels.sans?.split(/[,\s]+/).find(Boolean), labels.domain];
  const name = candidates
    .find((c) => c && c.trim())
    ?.trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return name && DNS_NAME.test(name) ? name : undefined;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('=~')) return new RegExp(`^(?:${pattern.slice(2)})$`, 'i').test(name);
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) {
    const base = p.slice(2);
    return name === p || (name.endsWith(`.${base}`) && !name.slice(0, -base.length - 1).includes('.'));
  }
  return p === name;
}

/**
 * Resolves an alert's certificate name to a place to connect, only through the config: the
 * `names` allowlist, then (if enabled) the names of configured tls checks. Anything else is
 * refused, whatever the labels say.
 */
export function resolveVerifyTarget(name: string, settings: TlsVerifySettings, config: Pick<AppConfig, 'checks'>): VerifyTarget | undefined {
  for (const rule of settings.names) {
    if (!matches(rule.match, name)) continue;
    const serverName = rule.serverName ?? name;
    if (serverName.startsWith('*.')) return undefined; // a wildcard is not a name one can send as SNI
    const target = parseTarget(rule.target.replace(/\{name\}/g, name));
    if (!target) return undefined;
    return { name, ...target, serverName, ...((rule.caFile ?? settings.caFile) ? { caFile: rule.caFile ?? settings.caFile } : {}) };
  }
  if (!settings.includeCheckTargets) return undefined;
  for (const check of config.checks) {
    if (check.type !== 'tls' || typeof check.target !== 'string') continue;
    const target = parseTarget(check.target);
    const serverName = typeof check.serverName === 'string' ? check.serverName : target?.host;
    if (!target || serverName?.toLowerCase() !== name) continue;
    const caFile = typeof check.caFile === 'string' ? check.caFile : settings.caFile;
    return { name, ...target, serverName, ...(caFile ? { caFile } : {}) };
  }
  return undefined;
}

function describeLeaf(report: CertificateReport): string {
  const { leaf } = report;
  return `expires ${leaf.notAfter}, issuer ${leaf.issuer}, SHA-256 ${shortFingerprint(leaf.fingerprint)}`;
}

function verdictMessage(alertname: string, target: VerifyTarget, report: CertificateReport, warnDays: number): { outcome: string; message: ChatMessage } {
  const where = `${target.serverName} at ${target.host}:${target.port}`;
  if (report.reason && report.reason !== 'expired') {
    return {
      outcome: 'invalid',
      message: {
        text: `:x: ${alertname} for ${target.name}: the live certificate (${where}) has a problem: ${report.reason}${report.error ? ` (${report.error})` : ''}; ${formatDaysLeft(report.leaf.daysLeft)}, ${describeLeaf(report)}`,
      },
    };
  }
  if (report.leaf.daysLeft > warnDays) {
    return {
      outcome: 'renewed',
      message: {
        text:
          `:white_check_mark: ${alertname} for ${target.name}: already renewed. The live certificate (${where}) has ${formatDaysLeft(report.leaf.daysLeft)} ` +
          `(${describeLeaf(report)}); the alert is stale and will clear once the metric catches up.`,
      },
    };
  }
  const state = report.level === 'expired' ? 'has EXPIRED' : `still expires in ${Math.floor(report.leaf.daysLeft)} days`;
  return {
    outcome: 'still_expiring',
    message: { text: `:warning: ${alertname} for ${target.name}: not renewed. The live certificate (${where}) ${state} (${describeLeaf(report)}).` },
  };
}

/**
 * Answers a `TlsCertExpiringSoon` alert (Traefik's traefik_tls_certs_not_after) by looking at
 * the live certificate for that name at once: still expiring, or already renewed and the
 * alert stale. Reported in the alert's Slack thread.
 */
export const tlsVerifyAction = defineAction({
  name: 'tls-verify',
  description: 'Check the live certificate named by a TLS expiry alert and say whether it is still expiring or already renewed.',
  settings: { key: 'tlsVerify', schema: tlsVerifySettingsSchema },
  defaultRoutes: [{ match: { alertname: 'TlsCertExpiringSoon' }, status: 'firing' }],
  create({ settings, config, threads: allThreads, logger }) {
    return async (job) => {
      const { alert, dedupKey } = job.data;
      const threads = threadsWithAlertContext(allThreads, alert, job.data.externalURL);
      // Sender text: escaped before it reaches Slack (the certificate name is held to DNS syntax).
      const alertname = escapeMrkdwn(alert.labels.alertname ?? 'TlsCertExpiringSoon');
      const incident = `alert:${alert.fingerprint}`;
      const name = certificateName(alert.labels);
      if (!name) {
        await threads.say(
          incident,
          { text: `:grey_question: ${alertname}: no usable certificate name in the alert labels (cn, sans, domain); nothing checked.` },
          { step: dedupKey },
        );
        return { outcome: 'no_name' };
      }
      const target = resolveVerifyTarget(name, settings, config);
      if (!target) {
        logger.warn({ certificate: name }, 'tls-verify refused: name is not in the tlsVerify allowlist');
        const why = name.startsWith('*.')
          ? 'a wildcard certificate needs a tlsVerify rule with a target and a concrete serverName'
          : 'the name is not in the tlsVerify allowlist (config `tlsVerify.names`)';
        await threads.say(incident, { text: `:no_entry: ${alertname} for ${name}: not checked, ${why}.` }, { step: dedupKey });
        return { outcome: 'refused', certificate: name };
      }

      let report: CertificateReport;
      try {
        const caPem = target.caFile ? await readFile(target.caFile, 'utf8') : undefined;
        const anchors = TrustAnchors.create(caPem);
        const live = await withClientSpan(
          'tls.verify',
          { 'server.address': target.host, 'server.port': target.port, 'tls.server_name': target.serverName },
          () => readLiveChain({ host: target.host, port: target.port, serverName: target.serverName, caPem, timeoutMs: settings.timeout }),
        );
        report = reportCertificate(live.source, anchors, Date.now(), { verify: true, warnDays: settings.warnDays, criticalDays: settings.criticalDays });
      } catch (err) {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const reason = err instanceof TlsConnectError ? err.reason : 'other';
        if (!lastAttempt)
          throw new TransientError(`cannot reach ${target.host}:${target.port}: ${(err as Error).message}`, `tls_${reason}`, {
            reason: reason === 'timeout' ? 'timeout' : 'unreachable',
          });
        await threads.say(
          incident,
          {
            text: `:grey_question: ${alertname} for ${name}: could not read the live certificate at ${target.host}:${target.port} (${reason}: ${(err as Error).message}).`,
          },
          { step: dedupKey },
        );
        if (err instanceof Error && !(err instanceof TlsConnectError)) throw new PermanentError(err.message, 'tls_verify_failed');
        return { outcome: 'unreachable', certificate: name };
      }
      const verdict = verdictMessage(alertname, target, report, settings.warnDays);
      await threads.say(incident, verdict.message, { step: dedupKey });
      logger.info({ certificate: name, outcome: verdict.outcome, days_left: report.leaf.daysLeft }, 'tls-verify done');
      return { outcome: verdict.outcome, certificate: name, daysLeft: report.leaf.daysLeft, fingerprint: shortFingerprint(report.leaf.fingerprint) };
    };
  },
});
