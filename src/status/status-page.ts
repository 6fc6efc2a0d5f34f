import type { Hono, MiddlewareHandler } from 'hono';
import { withTimeout } from '../redis.js';
import { escapeHtml, type StatusCell, type StatusContext, type StatusRow, type StatusSection } from './section.js';
import { statusSections } from './sections.js';

export interface LoadedSection {
  section: StatusSection;
  rows: StatusRow[];
  /** Set when the section could not be loaded; the rest of the page still renders. */
  error?: string;
}

const LEVEL_TEXT: Record<StatusRow['level'], string> = { ok: 'OK', warn: 'WARN', crit: 'CRIT', unknown: '?' };

/** Loads every section, each within its own time budget, so one slow part cannot blank the page. */
export async function loadSections(ctx: StatusContext, sections: readonly StatusSection[] = statusSections, timeoutMs = 2000): Promise<LoadedSection[]> {
  return Promise.all(
    sections.map(async (section) => {
      try {
        return { section, rows: await withTimeout(section.load(ctx), timeoutMs, `status section ${section.id}`) };
      } catch (err) {
        return { section, rows: [], error: (err as Error).message };
      }
    }),
  );
}

function cellHtml(cell: StatusCell): string {
  if (cell === undefined) return '—';
  return typeof cell === 'object' ? cell.html : escapeHtml(cell);
}

function renderSection({ section, rows, error }: LoadedSection): string {
  const head = section.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('');
  let body: string;
  if (error) {
    body = `<tr><td colspan="${section.columns.length + 1}" class="crit">cannot load: ${escapeHtml(error)}</td></tr>`;
  } else if (rows.length === 0) {
    body = `<tr><td colspan="${section.columns.length + 1}" class="empty">${escapeHtml(section.empty)}</td></tr>`;
  } else {
    body = rows
      .map(
        (row) =>
          `<tr class="${row.level}"><td class="level">${LEVEL_TEXT[row.level]}</td>${section.columns
            .map((c) => `<td data-col="${escapeHtml(c.key)}">${cellHtml(row.cells[c.key])}</td>`)
            .join('')}</tr>`,
      )
      .join('\n');
  }
  return `<section id="${escapeHtml(section.id)}">
<h2>${escapeHtml(section.title)}</h2>
<table><thead><tr><th></th>${head}</tr></thead>
<tbody>
${body}
</tbody></table>
</section>`;
}

/** The whole page: plain HTML and inline CSS, refreshes itself every 30 s, no scripts. */
function renderStatusPage(loaded: readonly LoadedSection[], nowMs: number): string {
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="30">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>alertworks status</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; min-width: 40rem; }
th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid #dde1e8; }
td.level { font-weight: 600; width: 3rem; }
tr.ok td.level { color: #1a7f37; } tr.warn td.level { color: #9a6700; }
tr.crit td.level, td.crit { color: #cf222e; } tr.unknown td.level, td.empty { color: #6e7781; }
nav a { margin-right: 1rem; } footer { margin-top: 2rem; color: #6e7781; }
svg.spark { vertical-align: middle; } svg.spark polyline { fill: none; stroke: #0969da; stroke-width: 1.2; }
svg.spark circle { fill: #0969da; } svg.spark .fail line { stroke: #cf222e; stroke-width: 1.5; }
.stale { color: #9a6700; font-weight: 600; } td[data-col=responseTime] { white-space: nowrap; } td { vertical-align: middle; }
</style>
</head><body>
<h1>alertworks status</h1>
<nav><a href="/admin/queues">Queues</a><a href="/metrics">Metrics</a></nav>
${loaded.map(renderSection).join('\n')}
<footer>Rendered ${new Date(nowMs).toISOString()}; read-only; refreshes every 30 s.</footer>
</body></html>
`;
}

/**
 * Mounts GET /status behind `auth`: the page names internal hosts, volumes and certificates,
 * so it gets the same protection as the queue dashboard.
 */
export function mountStatusPage(
  app: Hono,
  auth: MiddlewareHandler,
  deps: Omit<StatusContext, 'now'> & { clock?: () => number },
  sections: readonly StatusSection[] = statusSections,
): void {
  const { clock = Date.now, ...ctx } = deps;
  app.get('/status', auth, async (c) => {
    const now = clock();
    const loaded = await loadSections({ ...ctx, now }, sections);
    c.header('Cache-Control', 'no-store');
    return c.html(renderStatusPage(loaded, now));
  });
}
