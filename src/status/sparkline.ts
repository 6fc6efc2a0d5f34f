import type { ProbeBucket } from '../history/check-history.js';

const WIDTH = 120;
const HEIGHT = 24;
/** Points drawn: 48 over 24 h (half-hour means), enough for a trend and small for 1,000 checks. */
const POINTS = 48;

/** Merges neighbouring buckets so at most POINTS remain (probe-weighted mean, max of max). */
function coarsen(buckets: readonly ProbeBucket[], points = POINTS): ProbeBucket[] {
  const per = Math.ceil(buckets.length / points);
  if (per <= 1) return [...buckets];
  const out: ProbeBucket[] = [];
  for (let i = 0; i < buckets.length; i += per) {
    let probes = 0;
    let successes = 0;
    let sum = 0;
    let max: number | undefined;
    for (let j = i; j < Math.min(i + per, buckets.length); j++) {
      const b = buckets[j]!;
      probes += b.probes;
      successes += b.successes;
      sum += (b.meanMs ?? 0) * b.probes;
      if (b.maxMs !== undefined) max = Math.max(max ?? 0, b.maxMs);
    }
    out.push({ start: buckets[i]!.start, probes, successes, meanMs: probes ? sum / probes : undefined, maxMs: max });
  }
  return out;
}

/**
 * An inline SVG line of the mean response time per bucket (oldest left), with failed probes as
 * red ticks along the bottom. Numbers only go into the markup, so there is nothing to escape.
 * Empty buckets break the line, so a gap in probing shows as a gap.
 */
export function sparkline(all: readonly ProbeBucket[]): string {
  // From the first bucket with results: a check younger than the window fills the width.
  const buckets = coarsen(
    all.slice(
      Math.max(
        0,
        all.findIndex((b) => b.meanMs !== undefined),
      ),
    ),
  );
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
    current.push(`${x},${(HEIGHT - 2 - (b.meanMs / max) * (HEIGHT - 4)).toFixed(1)}`);
    if (b.successes < b.probes) failures.push(`<line x1="${x}" x2="${x}" y1="${HEIGHT - 3}" y2="${HEIGHT}"/>`);
  });
  if (current.length) lines.push(current.join(' '));
  const mean = withData.reduce((s, b) => s + (b.meanMs ?? 0), 0) / withData.length;
  const last = withData[withData.length - 1]?.meanMs ?? 0;
  const title = `response time, 24 h: mean ${Math.round(mean)} ms, max bucket ${Math.round(max)} ms, latest ${Math.round(last)} ms`;
  return (
    `<svg class="spark" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${title}"><title>${title}</title>` +
    lines
      .map((points) => (points.includes(' ') ? `<polyline points="${points}"/>` : `<circle r="1" cx="${points.split(',')[0]}" cy="${points.split(',')[1]}"/>`))
      .join('') +
    (failures.length ? `<g class="fail">${failures.join('')}</g>` : '') +
    `</svg> ${Math.round(last)} ms`
  );
}
