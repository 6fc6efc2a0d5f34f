import type { Hono, MiddlewareHandler } from 'hono';
import type { AuditTrail } from './audit-trail.js';
import { AuditQueryError, auditQueryFrom } from './audit-query.js';

/**
 * GET /api/audit?since=1h&until=&action=&resource=&kind=&limit= — audit records newest first,
 * as JSON, behind the same auth as /status (401 without it, 400 naming a bad parameter).
 */
export function mountAuditApi(app: Hono, auth: MiddlewareHandler, audit: AuditTrail, clock: () => number = Date.now): void {
  app.get('/api/audit', auth, async (c) => {
    let query;
    try {
      query = auditQueryFrom(c.req.query(), clock());
    } catch (err) {
      if (err instanceof AuditQueryError) return c.json({ error: err.message }, 400);
      throw err;
    }
    const records = await audit.query(query);
    c.header('Cache-Control', 'no-store');
    return c.json({ records: records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) });
  });
}
