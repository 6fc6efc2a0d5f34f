import type { CheckType } from './check-type.js';
import { httpCheck } from './checks/http.js';
import { tcpCheck } from './checks/tcp.js';
import { dnsCheck } from './checks/dns.js';
import { tlsCheck } from './checks/tls.js';
import { sesCheck } from './checks/presets/ses.js';
import { s3Check } from './checks/presets/s3.js';
import { openaiCheck } from './checks/presets/openai.js';
import { anthropicCheck } from './checks/presets/anthropic.js';

/** Every check type, in one list; the config's `checks` entries are validated against these. */
export const checkTypes: readonly CheckType<any>[] = [httpCheck, tcpCheck, dnsCheck, tlsCheck, sesCheck, s3Check, openaiCheck, anthropicCheck];

export function findCheckType(type: string): CheckType<any> | undefined {
  return checkTypes.find((t) => t.type === type);
}
