import { PermanentError, TransientError } from '../errors.js';
import { classifyNetworkError, classifyStatus } from '../failure.js';
import { scrub } from '../observability/redact.js';
import { withClientSpan } from '../observability/tracing.js';
import { createTracedFetch } from '../observability/traced-fetch.js';
import { filterMatcher, sameLabels, usableLabels } from './matchers.js';
import type { GettableAlert, GettableSilence, PostableSilence } from './types.js';

export interface AlertmanagerClientOptions {
  /** Base URL of Alertmanager or Grafana, e.g. http://alertmanager:9093 (ALERTMANAGER_URL). */
  url: string;
  /**
   * Path before /api/v2: empty for Alertmanager, `/api/alertmanager/grafana` for Grafana's
   * built-in one. @defaultValue ''
   */
  apiPrefix?: string;
  /** Bearer token (Grafana service account); never logged. */
  token?: string;
  /** Per-request timeout. @defaultValue 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Silence ids are UUIDs in Alertmanager and Grafana; anything else never reaches a URL. */
const SILENCE_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The Alertmanager API v2 over fetch, for what alertworks needs: is this alert suppressed,
 * create a silence, expire it. Failures come back classified: TransientError for transport
 * errors, timeouts and retryable statuses, PermanentError for the rest.
 */
export class AlertmanagerClient {
  private readonly base: string;
  private readonly token?: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: AlertmanagerClientOptions) {
    const prefix = (options.apiPrefix ?? '').replace(/\/+$/, '');
    this.base = `${options.url.replace(/\/+$/, '')}${prefix && !prefix.startsWith('/') ? '/' : ''}${prefix}/api/v2`;
    this.token = options.token || undefined;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetchFn = options.fetch ?? createTracedFetch({ attributes: { 'rpc.system': 'alertmanager' } });
  }

  /**
   * The alert with exactly these labels as Alertmanager holds it (with its suppression status),
   * or undefined when Alertmanager does not know it. Filters on every usable label so the
   * answer is small, then compares the full label set.
   */
  async findAlert(labels: Readonly<Record<string, string>>): Promise<GettableAlert | undefined> {
    const query = new URLSearchParams({ active: 'true', silenced: 'true', inhibited: 'true', unprocessed: 'true' });
    for (const [name, value] of usableLabels(labels)) query.append('filter', filterMatcher(name, value));
    const answer = await this.request<GettableAlert[]>('get_alerts', 'GET', `/alerts?${query}`);
    const alerts = (Array.isArray(answer) ? answer : []).filter((a) => a && typeof a.labels === 'object' && a.labels !== null);
    // Grafana's Alertmanager holds private `__…__` labels its webhook leaves out: those may differ.
    return alerts.find((a) => sameLabels(a.labels, labels)) ?? alerts.find((a) => sameLabels(publicLabels(a.labels), publicLabels(labels)));
  }

  /** Creates a silence; returns its id. */
  async createSilence(silence: PostableSilence): Promise<string> {
    const body = await this.request<{ silenceID?: string }>('post_silences', 'POST', '/silences', silence);
    const id = body?.silenceID;
    if (typeof id !== 'string' || !SILENCE_ID.test(id))
      throw new PermanentError('Alertmanager answered a silence without a usable silenceID', 'alertmanager_bad_answer');
    return id;
  }

  async getSilence(id: string): Promise<GettableSilence> {
    return this.request<GettableSilence>('get_silence', 'GET', `/silence/${checkId(id)}`);
  }

  /** Expires a silence now. An already expired one answers as Alertmanager does (an error). */
  async expireSilence(id: string): Promise<void> {
    await this.request('delete_silence', 'DELETE', `/silence/${checkId(id)}`);
  }

  private async request<T>(operation: string, method: string, path: string, body?: unknown): Promise<T> {
    return withClientSpan(`alertmanager.${operation}`, { 'rpc.system': 'alertmanager', 'rpc.method': operation }, async () => {
      let res: Response;
      try {
        res = await this.fetchFn(`${this.base}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        throw new TransientError(`Alertmanager ${operation} failed: ${scrub((err as Error).message ?? String(err))}`, 'alertmanager_unreachable', {
          cause: err,
          reason: classifyNetworkError(err).reason,
        });
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) {
        const reason = `Alertmanager ${operation} answered ${res.status}: ${scrub(text.slice(0, 200))}`;
        // One taxonomy for every client (src/failure.ts): retry or not, and the reason label.
        const byStatus = classifyStatus(res.status);
        if (res.status === 404) throw new PermanentError(reason, 'alertmanager_not_found', { reason: byStatus.reason });
        throw byStatus.retryable
          ? new TransientError(reason, 'alertmanager_unavailable', { reason: byStatus.reason })
          : new PermanentError(reason, 'alertmanager_refused', { reason: byStatus.reason });
      }
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new TransientError(`Alertmanager ${operation} answered non-JSON`, 'alertmanager_bad_answer');
      }
    });
  }
}

function checkId(id: string): string {
  if (!SILENCE_ID.test(id)) throw new PermanentError('not a silence id', 'alertmanager_bad_silence_id');
  return id;
}

function publicLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('__')));
}
