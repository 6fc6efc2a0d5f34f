import { AuditTrail } from '../audit/audit-trail.js';
import { isWebLink, type AuditLinks } from '../audit/record.js';
import { escapeHtml, when, type StatusRow, type StatusSection } from './section.js';

const SHOWN = 30;
const LINK_TEXT: Record<keyof AuditLinks, string> = { pr: 'PR', workflowRun: 'workflow run', slackThread: 'Slack thread', hetznerAction: 'Hetzner action' };

const LEVEL: Partial<Record<string, StatusRow['level']>> = {
  resized: 'ok',
  drift_pr: 'ok',
  renewed: 'ok',
  resolved: 'ok',
  failed: 'crit',
  refused: 'warn',
  limit_reached: 'warn',
  budget_exhausted: 'warn',
};

/** Links as anchors (http(s) only), other references (a Slack ts, an action id) as text. */
function linksHtml(links: AuditLinks | undefined): string | undefined {
  const parts = Object.entries(links ?? {}).map(([key, value]) => {
    const label = LINK_TEXT[key as keyof AuditLinks] ?? key;
    return isWebLink(value) ? `<a href="${escapeHtml(value)}" rel="noreferrer">${escapeHtml(label)}</a>` : `${escapeHtml(label)} ${escapeHtml(value)}`;
  });
  return parts.length ? parts.join(', ') : undefined;
}

/**
 * What alertworks did lately and why: the newest decisions of the audit trail (src/audit), with
 * their links. Routine records (each alert received, each chat post) would fill the section
 * within seconds of an alert storm; they are in `alertworks audit` and /api/audit.
 */
export const activitySection: StatusSection = {
  id: 'activity',
  title: 'Recent activity',
  columns: [
    { key: 'at', label: 'When' },
    { key: 'kind', label: 'What' },
    { key: 'action', label: 'Action' },
    { key: 'resource', label: 'Resource' },
    { key: 'summary', label: 'Details' },
    { key: 'links', label: 'Links' },
  ],
  empty: 'No actions recorded yet (alerts received and chat posts: alertworks audit, /api/audit).',
  async load({ config, redis, now }) {
    const records = await new AuditTrail(redis, config.redis.prefix).query({ limit: SHOWN, routine: false });
    return records.map((r) => {
      const links = linksHtml(r.links);
      return {
        level: LEVEL[r.kind] ?? 'unknown',
        cells: {
          at: when(String(r.at), now),
          kind: r.kind.replace(/_/g, ' '),
          action: r.action,
          resource: r.resource,
          summary: r.summary,
          links: links && { html: links },
        },
      };
    });
  },
};
