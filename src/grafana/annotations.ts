import { Counter } from 'prom-client';
import { registry } from '../observability/metrics.js';
import { createTracedFetch } from '../observability/traced-fetch.js';

export const grafanaAnnotations = new Counter({
  name: 'alertworks_grafana_annotations_total',
  help: 'Grafana annotations posted for actions, by outcome (posted, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export interface Annotation {
  /** Epoch ms. */
  time: number;
  tags: readonly string[];
  text: string;
}

export interface GrafanaOptions {
  url: string;
  token: string;
  /** @defaultValue 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A refused or failed annotation: Grafana's `message`, the HTTP status (0: no answer). */
export class GrafanaError extends Error {
  override name = 'GrafanaError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Grafana's annotations HTTP API (`POST /api/annotations`, service-account bearer token):
 * organisation-wide annotations with tags, which dashboards show through an annotation query
 * that filters by tag. Errors carry Grafana's `{"message": ...}`; the caller decides that an
 * annotation never fails an action.
 */
export class GrafanaClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GrafanaOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? createTracedFetch({ spanName: 'grafana.annotate', attributes: { 'rpc.system': 'grafana' } });
  }

  /** Posts one annotation; its Grafana id. */
  async annotate(a: Annotation): Promise<number> {
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/api/annotations`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.options.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ time: a.time, tags: a.tags, text: a.text }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw new GrafanaError(`Grafana not reachable: ${(err as Error).message}`, 0);
    }
    const body = (await res.json().catch(() => ({}))) as { id?: number; message?: string };
    if (!res.ok) throw new GrafanaError(`Grafana answered ${res.status}: ${String(body.message ?? res.statusText).slice(0, 200)}`, res.status);
    return Number(body.id);
  }
}
