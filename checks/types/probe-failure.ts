import type { FailureReason, Phase } from '../check-type.js';

/** A probe that failed for a known reason; `phases` holds what was measured before it failed. */
export class ProbeFailure extends Error {
  override name = 'ProbeFailure';
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly phases: Partial<Record<Phase, number>> = {},
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

/** Where a connection attempt was when it failed; decides the reason when the error code does not. */
export type ConnectionStage = 'dns' | 'connect' | 'tls' | 'exchange';

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)|HOSTNAME_MISMATCH|EPROTO$)/;
const DNS_CODE = /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|ENODATA|ESERVFAIL|ENOTIMP|EREFUSED|EBADNAME|ECONNREFUSED_DNS)$/;

/** Maps a socket/TLS/DNS error to the fixed reason set. */
export function classifyError(err: unknown, stage: ConnectionStage, timedOut: boolean): FailureReason {
  if (timedOut) return 'timeout';
  const code = String((err as { code?: unknown })?.code ?? '');
  if (stage === 'dns' || DNS_CODE.test(code)) return 'dns';
  if (TLS_CODE.test(code) || stage === 'tls') return 'tls';
  if (stage === 'connect') return 'connect';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'other';
}

/** A short error text for messages: code and message, no stack. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
