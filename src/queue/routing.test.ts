import { describe, expect, it } from 'vitest';
import { routeSchema } from '../config/schema.js';
import { compileRoutes, routeAlert } from './routing.js';

const routes = compileRoutes(
  [
    { match: { alertname: 'VolumeUsageCritical' }, action: 'volume-resize' },
    { match: { alertname: '=~Tls.*', severity: 'critical' }, status: 'any', action: 'tls-verify' },
    { match: { alertname: '=~.+' }, status: 'resolved', action: 'resolved-only' },
    { match: { team: '=~ops|sre' }, status: 'any', action: 'notify' },
  ].map((r) => routeSchema.parse(r)),
);

describe('routing: first match wins', () => {
  const cases: { labels: Record<string, string>; status: 'firing' | 'resolved'; action: string | undefined }[] = [
    { labels: { alertname: 'VolumeUsageCritical' }, status: 'firing', action: 'volume-resize' },
    { labels: { alertname: 'VolumeUsageCritical' }, status: 'resolved', action: 'resolved-only' },
    { labels: { alertname: 'TlsCertExpiringSoon', severity: 'critical' }, status: 'resolved', action: 'tls-verify' },
    { labels: { alertname: 'TlsCertExpiringSoon', severity: 'warning', team: 'ops' }, status: 'firing', action: 'notify' },
    { labels: { alertname: 'XTlsCert', severity: 'critical' }, status: 'firing', action: undefined },
    { labels: { alertname: 'Other', team: 'sre' }, status: 'firing', action: 'notify' },
    { labels: { alertname: 'Other', team: 'sres' }, status: 'firing', action: undefined },
    { labels: { alertname: 'Other' }, status: 'firing', action: undefined },
  ];
  it.each(cases)('$labels ($status) -> $action', ({ labels, status, action }) => {
    expect(routeAlert(routes, { labels, status })?.route.action).toBe(action);
  });

  it('a missing label only matches a regex that accepts the empty string', () => {
    const r = compileRoutes([routeSchema.parse({ match: { env: '=~|prod' }, action: 'notify' })]);
    expect(routeAlert(r, { labels: {}, status: 'firing' })).toBeDefined();
    expect(routeAlert(r, { labels: { env: 'dev' }, status: 'firing' })).toBeUndefined();
  });
});
