import { describe, expect, it } from 'vitest';
import { alertMessage } from './alert-message.js';
import { safeHttpUrl, slackLink } from './slack-text.js';

describe('safeHttpUrl', () => {
  it.each([
    ['https://prometheus.example:9090/graph?g0.expr=up%3D%3D0&g0.tab=1', 'https://prometheus.example:9090/graph?g0.expr=up%3D%3D0&g0.tab=1'],
    ['http://alertmanager:9093', 'http://alertmanager:9093/'],
  ])('keeps the clean URL %s', (raw, clean) => {
    expect(safeHttpUrl(raw)).toBe(clean);
  });

  it.each([
    ['link text trick', 'https://grafana.example/d/x|click here <!channel>'],
    ['closing the link', 'http://a.example/><!channel> <https://evil.example|login'],
    ['mention inside', 'https://a.example/<!here>'],
    ['another scheme', 'javascript:alert(1)'],
    ['slack scheme', 'slack://channel?team=T1'],
    ['credentials', 'https://user:secret@prom.example/graph'],
    ['whitespace', 'https://a.example/ <!channel>'],
    ['newline', 'https://a.example/\n<!channel>'],
    ['relative', '/graph?g0.expr=up'],
    ['too long', `https://a.example/${'a'.repeat(5_000)}`],
  ])('drops %s', (_what, raw) => {
    expect(safeHttpUrl(raw)).toBeUndefined();
  });

  it('makes a link only of a clean URL, with our label', () => {
    expect(slackLink('https://a.example/x', 'source')).toBe('<https://a.example/x|source>');
    expect(slackLink('https://a.example/x|<!channel>', 'source')).toBeUndefined();
  });
});

describe('alertMessage with hostile URLs and text', () => {
  const alert = {
    status: 'firing' as const,
    labels: { alertname: 'Disk<!channel>', severity: 'critical' },
    annotations: { summary: 'full <!subteam^S123|@oncall> <https://evil.example|docs>' },
    startsAt: '2026-11-22T05:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: 'abc',
    generatorURL: 'https://prom.example/graph|<!channel> click',
  };

  it('has no sender-made ping or link anywhere (blocks and fallback text), and keeps clean links', () => {
    const message = alertMessage(alert, 'http://am.example:9093');
    const everything = JSON.stringify(message);
    expect(everything).not.toMatch(/<!channel>|<!subteam|<https:\/\/evil|<https:\/\/prom\.example/);
    expect(everything).toContain('<http://am.example:9093/|Alertmanager>');
    expect(message.text).toContain('&lt;!channel&gt;');
  });
});
