import { parseDuration } from '../config/duration.js';
import type { AuditQuery } from './audit-trail.js';
import { isAuditKind } from './kinds.js';

export class AuditQueryError extends Error {
  override name = 'AuditQueryError';
}

/** "1h" (that long ago), an ISO time or epoch ms; epoch ms. */
function parseSince(value: string, now: number): number {
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago;
  if (/^\d{10,16}$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isFinite(at)) return at;
  throw new AuditQueryError(`since/until: "${value.slice(0, 40)}" is neither a duration (1h, 30m) nor a time (ISO 8601 or epoch ms)`);
}

/** The query of GET /api/audit and `alertworks audit`, from its parameters; AuditQueryError names the bad one. */
export function auditQueryFrom(params: Record<string, string | undefined>, now: number): AuditQuery {
  const q: AuditQuery = {};
  if (params.since) q.since = parseSince(params.since, now);
  if (params.until) q.until = parseSince(params.until, now);
  if (params.action) q.action = params.action.slice(0, 64);
  if (params.resource) q.resource = params.resource.slice(0, 200);
  if (params.kind) {
    if (!isAuditKind(params.kind)) throw new AuditQueryError(`kind: "${params.kind.slice(0, 40)}" is not an audit record kind`);
    q.kind = params.kind;
  }
  if (params.stream) {
    // decisions (resizes, approvals, refusals, failures) or routine (each alert received, each chat post).
    if (params.stream !== 'decisions' && params.stream !== 'routine')
      throw new AuditQueryError(`stream: "${params.stream.slice(0, 40)}" is neither decisions nor routine`);
    q.routine = params.stream === 'routine';
  }
  if (params.limit) {
    const limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new AuditQueryError('limit: must be a whole number from 1 to 1000');
    q.limit = limit;
  }
  return q;
}
