import type { ProbeBucket } from '../history/check-history.js';

const WIDTH = 120;
const HEIGHT = 24;

/**
 * An inline SVG line of the mean response time per bucket (oldest left), with failed probes as
 * red ticks along the bottom. Numbers only go into the markup, so there is nothing to escape.
 * Empty buckets break the line, so a gap in probing shows as a gap.
 */
export function sparkline(buckets: readonly ProbeBucket[]): string {
  const withData = buckets.filter((b) => b.meanMs !== undefined);
  if (withData.length === 0) return '<span class="empty">no results</span>';
  const max = Math.max(1, ...withData.map((b) => b.meanMs ?? 0));
  const step = buckets.length > 1 ? WIDTH / (buckets.length - 1) : WIDTH;
  const lines: string[] = [];
  let current: string[] = [];
  const failures: string[] = [];
  buckets.forEach((b, i) => {
    const x = (i * step).toFixed(1);
    if (b.meanMs === undefined) {
      if (current.length) lines.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${x},${(HEIGHT - 2 - ((b.meanMs / max) * (HEIGHT - 4))).toFixed(1)}`);
    if (b.successes < b.probes) failures.push(`<line x1="${x}" x2="${x}" y1="${HEIGHT - 3}" y2="${HEIGHT}"/>`);
  });
  if (current.length) lines.push(current.join(' '));
  const mean = withData.reduce((s, b) => s + (b.meanMs ?? 0), 0) / withData.length;
  const last = withData[withData.length - 1]?.meanMs ?? 0;
  const title = `response time, 24 h: mean ${Math.round(mean)} ms, max bucket ${Math.round(max)} ms, latest ${Math.round(last)} ms`;
  return (
    `<svg class="spark" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${title}"><title>${title}</title>` +
    lines.map((points) => (points.includes(' ') ? `<polyline points="${points}"/>` : `<circle r="1" cx="${points.split(',')[0]}" cy="${points.split(',')[1]}"/>`)).join('') +
    (failures.length ? `<g class="fail">${failures.join('')}</g>` : '') +
    `</svg> ${Math.round(last)} ms`
  );
}
