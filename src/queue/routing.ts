import type { RouteConfig } from '../config/schema.js';
import type { Alert } from '../server/alertmanager-payload.js';

type LabelTest = (value: string | undefined) => boolean;

export interface CompiledRoute {
  route: RouteConfig;
  index: number;
  matches(alert: Pick<Alert, 'labels' | 'status'>): boolean;
}

function labelTest(expected: string): LabelTest {
  if (expected.startsWith('=~')) {
    // Anchored, as in Prometheus and Alertmanager matchers.
    const re = new RegExp(`^(?:${expected.slice(2)})$`);
    return (value) => re.test(value ?? '');
  }
  return (value) => value === expected;
}

/** Compiles routes once (regexes built at load, not per alert). */
export function compileRoutes(routes: readonly RouteConfig[]): CompiledRoute[] {
  return routes.map((route, index) => {
    const tests = Object.entries(route.match).map(([label, expected]) => [label, labelTest(expected)] as const);
    return {
      route,
      index,
      matches(alert) {
        if (route.status !== 'any' && route.status !== alert.status) return false;
        return tests.every(([label, test]) => test(alert.labels[label]));
      },
    };
  });
}

/** First match wins; undefined when no route takes the alert. */
export function routeAlert(routes: readonly CompiledRoute[], alert: Pick<Alert, 'labels' | 'status'>): CompiledRoute | undefined {
  return routes.find((r) => r.matches(alert));
}
