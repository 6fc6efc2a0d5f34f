import { PLATFORM_REASONS, type CheckType, type FailureReason, type Phase } from './check-type.js';
import { httpCheck } from './types/http.js';
import { tcpCheck } from './types/tcp.js';
import { dnsCheck } from './types/dns.js';
import { tlsCheck } from './types/tls.js';
import { sesCheck } from './types/presets/ses.js';
import { s3Check } from './types/presets/s3.js';
import { openaiCheck } from './types/presets/openai.js';
import { anthropicCheck } from './types/presets/anthropic.js';
import { grpcCheck } from './types/grpc.js';

/** Every check type, in one list; the config's `checks` entries are validated against these. */
export const checkTypes: readonly CheckType[] = [httpCheck, tcpCheck, dnsCheck, tlsCheck, sesCheck, s3Check, openaiCheck, anthropicCheck, grpcCheck];

export function findCheckType(type: string): CheckType | undefined {
  return checkTypes.find((t) => t.type === type);
}

/** Every phase some registered type measures, in first-declared order (messages list them so). */
export const checkPhases: readonly Phase[] = [...new Set(checkTypes.flatMap((t) => t.phases))];

/** The closed set of `reason` label values of alertworks_check_failures_total. */
export const checkFailureReasons: ReadonlySet<FailureReason> = new Set([...checkTypes.flatMap((t) => t.reasons), ...PLATFORM_REASONS]);
