import { withClientSpan } from '../observability/tracing.js';
import { createTracedFetch } from '../observability/traced-fetch.js';
import { TransientError } from '../errors.js';
import { HetznerApiError, classifyHetznerError, classifyNetworkError } from './errors.js';
import type { ApiErrorBody, HetznerAction, ListMeta, Volume } from './types.js';

const DEFAULT_HCLOUD_ENDPOINT = 'https://api.hetzner.cloud/v1';

export interface HetznerClientOptions {
  /** API token (HCLOUD_TOKEN). Without it only unauthenticated calls are made (they fail with `unauthorized`). */
  token?: string;
  /** Base URL (HCLOUD_ENDPOINT). @defaultValue https://api.hetzner.cloud/v1 */
  endpoint?: string;
  /** Per-request timeout. @defaultValue 15s */
  requestTimeoutMs?: number;
  /** Wait before retrying a `locked` resource. @defaultValue 5s */
  lockedDelayMs?: number;
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Give up (TransientError `hetzner_action_timeout`) after this long. @defaultValue 10m */
  timeoutMs?: number;
  /** @defaultValue 1s */
  intervalMs?: number;
  onProgress?: (action: HetznerAction) => void;
}

/**
 * A small typed client of the Hetzner Cloud API over fetch, for what volume resizing needs
 * (hcloud-js has no volume support). Every failure is thrown already classified:
 * RetryLaterError / TransientError / PermanentError with `cause` = HetznerApiError.
 */
export class HetznerClient {
  private readonly endpoint: string;
  private readonly token?: string;
  private readonly timeoutMs: number;
  private readonly lockedDelayMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: HetznerClientOptions = {}) {
    this.endpoint = (options.endpoint ?? DEFAULT_HCLOUD_ENDPOINT).replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.lockedDelayMs = options.lockedDelayMs ?? 5_000;
    // Traced: each call's span gets the HTTP attributes and the request carries traceparent.
    this.fetchFn = options.fetch ?? createTracedFetch({ attributes: { 'rpc.system': 'hetzner' } });
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  async getVolume(id: number): Promise<Volume> {
    const body = await this.request<{ volume: Volume }>('get_volume', 'GET', `/volumes/${id}`, { 'hetzner.volume.id': id });
    return body.volume;
  }

  /** All volumes, following `meta.pagination.next_page`; `name` filters by exact name. */
  async listVolumes(filter: { name?: string; labelSelector?: string } = {}): Promise<Volume[]> {
    const out: Volume[] = [];
    let page: number | null = 1;
    while (page !== null) {
      const query = new URLSearchParams({ page: String(page), per_page: '50' });
      if (filter.name) query.set('name', filter.name);
      if (filter.labelSelector) query.set('label_selector', filter.labelSelector);
      const body: { volumes: Volume[]; meta: ListMeta } = await this.request('list_volumes', 'GET', `/volumes?${query}`, {});
      out.push(...body.volumes);
      page = body.meta?.pagination?.next_page ?? null;
    }
    return out;
  }

  /** Actions of one volume, newest first (used to find a resize issued before a crash). */
  async listVolumeActions(id: number): Promise<HetznerAction[]> {
    const body = await this.request<{ actions: HetznerAction[] }>('list_volume_actions', 'GET', `/volumes/${id}/actions?sort=id:desc&per_page=25`, {
      'hetzner.volume.id': id,
    });
    return body.actions;
  }

  /**
   * The volume's `resize_volume` actions started at or after `sinceMs`, newest first. The API
   * filters actions by status only, so they are read newest first (`sort=started:desc`), page by
   * page, until one started before `sinceMs` (at most `maxPages` pages).
   */
  async listResizeActions(id: number, sinceMs: number, maxPages = 5): Promise<HetznerAction[]> {
    const out: HetznerAction[] = [];
    let page: number | null = 1;
    for (let read = 0; page !== null && read < maxPages; read++) {
      const query = new URLSearchParams({ sort: 'started:desc', page: String(page), per_page: '50' });
      const body: { actions: HetznerAction[]; meta?: ListMeta } = await this.request('list_volume_actions', 'GET', `/volumes/${id}/actions?${query}`, {
        'hetzner.volume.id': id,
      });
      for (const action of body.actions) {
        if (Date.parse(action.started) < sinceMs) return out;
        if (action.command === 'resize_volume') out.push(action);
      }
      page = body.meta?.pagination?.next_page ?? null;
    }
    return out;
  }

  /** POST /volumes/{id}/actions/resize; the answer is a running `resize_volume` action. */
  async resizeVolume(id: number, sizeGb: number): Promise<HetznerAction> {
    const body = await this.request<{ action: HetznerAction }>(
      'resize_volume',
      'POST',
      `/volumes/${id}/actions/resize`,
      { 'hetzner.volume.id': id, 'hetzner.volume.size_gb': sizeGb },
      { size: sizeGb },
    );
    return body.action;
  }

  async getAction(id: number): Promise<HetznerAction> {
    const body = await this.request<{ action: HetznerAction }>('get_action', 'GET', `/actions/${id}`, { 'hetzner.action.id': id });
    return body.action;
  }

  /** Polls an action until it is `success` or `error` and returns it (an `error` action is returned, not thrown). */
  async waitForAction(id: number, options: WaitOptions = {}): Promise<HetznerAction> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    const interval = options.intervalMs ?? 1_000;
    for (;;) {
      const action = await this.getAction(id);
      options.onProgress?.(action);
      if (action.status !== 'running') return action;
      if (Date.now() + interval > deadline) {
        throw new TransientError(`Hetzner action ${id} still running (${action.progress}%) after the wait timeout`, 'hetzner_action_timeout', {
          reason: 'timeout',
        });
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  private async request<T>(op: string, method: string, path: string, attrs: Record<string, string | number>, body?: unknown): Promise<T> {
    return withClientSpan(`hetzner.${op}`, { 'http.request.method': method, ...attrs }, async (span) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await this.fetchFn(`${this.endpoint}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        throw classifyNetworkError(err, op);
      }
      span.setAttribute('http.response.status_code', res.status);
      const text = await res.text().catch(() => '');
      if (res.ok) {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new TransientError(`Hetzner API ${op}: answer is not JSON (status ${res.status})`, 'hetzner_bad_response', { reason: 'bad_response' });
        }
      }
      throw classifyHetznerError(apiError(res, text), { lockedDelayMs: this.lockedDelayMs });
    });
  }
}

function apiError(res: Response, text: string): HetznerApiError {
  const resetHeader = res.headers.get('ratelimit-reset');
  const reset = resetHeader !== null && /^\d+$/.test(resetHeader.trim()) ? Number(resetHeader) : undefined;
  let parsed: Partial<ApiErrorBody> = {};
  try {
    parsed = JSON.parse(text) as ApiErrorBody;
  } catch {
    // A proxy's HTML error page: keep the status, name the code after it.
  }
  const e = parsed.error;
  const code = typeof e?.code === 'string' ? e.code : res.status >= 500 ? 'server_error' : `http_${res.status}`;
  const message = typeof e?.message === 'string' ? e.message.slice(0, 300) : res.statusText || 'no error message';
  return new HetznerApiError(res.status, code, message, e?.details, reset);
}
