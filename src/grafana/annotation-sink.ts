import type { AuditSink } from '../audit/audit-trail.js';
import type { AuditKind } from '../audit/kinds.js';
import type { StoredAuditRecord } from '../audit/record.js';
import { isWebLink } from '../audit/record.js';
import type { Logger } from '../observability/logger.js';
import { GrafanaClient, grafanaAnnotations, type GrafanaOptions } from './annotations.js';

/** The audit kinds that become dashboard markers (approvals add `approved` here). */
const ANNOTATED_KINDS: readonly AuditKind[] = ['resized', 'drift_pr', 'renewed', 'approved'];

/** Tags of a record's marker: `alertworks`, the action, the kind and the resource ("volume-4711"). */
function annotationTags(r: StoredAuditRecord): string[] {
  const tags = ['alertworks', r.action, r.kind.replace(/_/g, '-')];
  if (r.resource) tags.push(r.resource.replace(/[^\w.:-]+/g, '-').slice(0, 64));
  return tags;
}

/**
 * An audit sink that posts a Grafana annotation for each resize, drift PR, certificate renewal
 * (and approval). A failure is counted and logged; the action already happened and goes on.
 */
export function grafanaAnnotationSink(options: GrafanaOptions, logger: Logger, kinds: readonly AuditKind[] = ANNOTATED_KINDS): AuditSink {
  const client = new GrafanaClient(options);
  return async function annotate(record) {
    if (!kinds.includes(record.kind)) return;
    const links = Object.values(record.links ?? {}).filter(isWebLink);
    try {
      await client.annotate({
        time: record.at,
        tags: annotationTags(record),
        text: [escapeText(record.summary), ...links.map((l) => `<a href="${l}">${l}</a>`)].join('\n'),
      });
      grafanaAnnotations.inc({ outcome: 'posted' });
    } catch (err) {
      grafanaAnnotations.inc({ outcome: 'failed' });
      logger.warn({ err: (err as Error).message, kind: record.kind }, 'Grafana annotation failed (the action is not affected)');
    }
  };
}

function escapeText(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
