import { describe, expect, it } from 'vitest';
import { cellText, formatSections } from './status-command.js';
import type { LoadedSection } from '../status/status-page.js';
import type { StatusSection } from '../status/section.js';

const section = (id: string): StatusSection => ({
  id,
  title: `Title ${id}`,
  columns: [
    { key: 'name', label: 'Name' },
    { key: 'state', label: 'State' },
  ],
  empty: `nothing in ${id}`,
  load: async () => [],
});

describe('cellText', () => {
  it.each([
    [undefined, '—'],
    [42, '42'],
    ['DOWN', 'DOWN'],
    [{ html: '<a href="https://x.example/pr/1" rel="noreferrer">PR</a>, Hetzner action 17' }, 'PR, Hetzner action 17'],
    [{ html: '<svg class="spark"><title>response time, 24 h: mean 80 ms</title><polyline points="1,2"/></svg>' }, 'response time, 24 h: mean 80 ms'],
    [{ html: '<span class="stale">stale</span> &#60;b&#62; &#38; co' }, 'stale <b> & co'],
    [{ html: '<svg></svg>' }, '—'],
    [{ html: 'no such code point &#9999999;' }, 'no such code point &#9999999;'],
  ])('%j -> %j', (cell, text) => {
    expect(cellText(cell)).toBe(text);
  });
});

describe('formatSections', () => {
  it('prints each block as an aligned table, its empty text, or why it could not load', () => {
    const loaded: LoadedSection[] = [
      {
        section: section('checks'),
        rows: [
          { level: 'crit', cells: { name: 'api', state: 'DOWN' } },
          { level: 'ok', cells: { name: 'billing-api', state: 'UP' } },
        ],
      },
      { section: section('volumes'), rows: [] },
      { section: section('certificates'), rows: [], error: 'status section certificates timed out' },
    ];
    expect(formatSections(loaded)).toBe(
      [
        'Title checks',
        '        Name         State',
        '  CRIT  api          DOWN',
        '  OK    billing-api  UP',
        '',
        'Title volumes',
        '  nothing in volumes',
        '',
        'Title certificates',
        '  cannot load: status section certificates timed out',
        '',
      ].join('\n'),
    );
  });
});
