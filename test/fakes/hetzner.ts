import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the Hetzner Cloud API (https://docs.hetzner.cloud) for the calls volume
 * resizing makes, following the documented shapes: `{volume}`, `{volumes, meta.pagination}`,
 * `{action}` with status running/success/error, the error object `{error:{code,message,details}}`
 * with its HTTP statuses (401 unauthorized, 404 not_found, 400 invalid_input, 423 locked,
 * 429 rate_limit_exceeded, 503 unavailable) and RateLimit-Limit/-Remaining/-Reset headers.
 * Faults can be injected; every call is logged so tests can count resize POSTs.
 */

export interface FakeVolume {
  id: number;
  name: string;
  size: number;
  linux_device: string;
  status: string;
  server: number | null;
  location: { id: number; name: string; description: string; country: string; city: string; network_zone: string };
  labels: Record<string, string>;
  created: string;
  format: string | null;
  protection: { delete: boolean };
}

export interface FakeAction {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

export type HetznerFault = 'unavailable' | 'rate_limit' | 'locked' | 'server_error' | 'invalid_input';

export interface HetznerCall {
  method: string;
  path: string;
  status: number;
  body?: unknown;
  at: number;
}

export interface FakeHetznerOptions {
  token?: string;
  /** How long a resize action runs before it succeeds. @defaultValue 300ms */
  actionDurationMs?: number;
  /** RateLimit-Limit (requests per hour). @defaultValue 3600 */
  rateLimit?: number;
}

interface ActionState {
  action: FakeAction;
  volumeId: number;
  toSize: number;
  doneAt: number;
  fail?: { code: string; message: string };
}

export class FakeHetzner {
  readonly volumes = new Map<number, FakeVolume>();
  readonly calls: HetznerCall[] = [];
  readonly token: string;
  actionDurationMs: number;
  /** Awaited after a resize action is created, before the answer is sent (crash tests kill the worker here). */
  onResize?: (volumeId: number, size: number) => Promise<void> | void;
  private readonly actions = new Map<number, ActionState>();
  private readonly faults: { fault: HetznerFault; match: RegExp; resetInSeconds: number }[] = [];
  private failNextAction?: { code: string; message: string };
  private nextActionId = 13_000_000;
  private remaining: number;
  private readonly limit: number;
  private server?: Server;
  url = '';

  constructor(options: FakeHetznerOptions = {}) {
    this.token = options.token ?? 'fake-hcloud-token-0123456789';
    this.actionDurationMs = options.actionDurationMs ?? 300;
    this.limit = options.rateLimit ?? 3600;
    this.remaining = this.limit;
  }

  static async start(options: FakeHetznerOptions = {}): Promise<FakeHetzner> {
    const fake = new FakeHetzner(options);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addVolume(v: { id: number; name: string; size: number; status?: string; labels?: Record<string, string> }): FakeVolume {
    const volume: FakeVolume = {
      id: v.id,
      name: v.name,
      size: v.size,
      linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
      status: v.status ?? 'available',
      server: 42,
      location: { id: 1, name: 'fsn1', description: 'Falkenstein DC Park 1', country: 'DE', city: 'Falkenstein', network_zone: 'eu-central' },
      labels: v.labels ?? {},
      created: new Date().toISOString(),
      format: 'ext4',
      protection: { delete: false },
    };
    this.volumes.set(v.id, volume);
    return volume;
  }

  /**
   * An action the volume already has (made before the test, e.g. by a resize whose Redis record
   * was lost): finished, with the given start time.
   */
  addPastAction(volumeId: number, a: { command?: string; started: Date; status?: 'success' | 'error'; toSize?: number }): FakeAction {
    const action: FakeAction = {
      id: this.nextActionId++,
      command: a.command ?? 'resize_volume',
      status: a.status ?? 'success',
      progress: 100,
      started: a.started.toISOString(),
      finished: new Date(a.started.getTime() + 5_000).toISOString(),
      resources: [{ id: volumeId, type: 'volume' }],
      error: a.status === 'error' ? { code: 'action_failed', message: 'Action failed' } : null,
    };
    this.actions.set(action.id, { action, volumeId, toSize: a.toSize ?? this.volumes.get(volumeId)?.size ?? 0, doneAt: a.started.getTime() });
    return action;
  }

  /** The next `count` calls whose path matches `match` fail with `fault`. */
  failNext(count: number, fault: HetznerFault, options: { match?: RegExp; resetInSeconds?: number } = {}): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, match: options.match ?? /.*/, resetInSeconds: options.resetInSeconds ?? 2 });
  }

  /** The next resize action ends with status `error`. */
  failNextResizeAction(code = 'action_failed', message = 'Action failed'): void {
    this.failNextAction = { code, message };
  }

  resizePosts(): HetznerCall[] {
    return this.calls.filter((c) => c.method === 'POST' && /\/actions\/resize$/.test(c.path));
  }

  /** Resize POSTs the API accepted (201): the number of real resizes. */
  acceptedResizes(): HetznerCall[] {
    return this.resizePosts().filter((c) => c.status === 201);
  }

  private settle(): void {
    const now = Date.now();
    for (const s of this.actions.values()) {
      if (s.action.status !== 'running') continue;
      const total = Math.max(1, this.actionDurationMs);
      const elapsed = now - (s.doneAt - total);
      if (now < s.doneAt) {
        s.action.progress = Math.min(99, Math.floor((elapsed / total) * 100));
        continue;
      }
      s.action.progress = 100;
      s.action.finished = new Date(s.doneAt).toISOString();
      if (s.fail) {
        s.action.status = 'error';
        s.action.error = s.fail;
      } else {
        s.action.status = 'success';
        const v = this.volumes.get(s.volumeId);
        if (v) v.size = s.toSize;
      }
    }
  }

  private runningActionOn(volumeId: number): ActionState | undefined {
    return [...this.actions.values()].find((s) => s.volumeId === volumeId && s.action.status === 'running');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = Symbol.for('invalid');
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/v1/, '');
    const method = req.method ?? 'GET';
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      this.calls.push({ method, path, status, body, at: Date.now() });
      if (this.remaining > 0) this.remaining--;
      res.writeHead(status, {
        'content-type': 'application/json',
        'ratelimit-limit': String(this.limit),
        'ratelimit-remaining': String(this.remaining),
        'ratelimit-reset': String(Math.floor(Date.now() / 1000) + (this.limit - this.remaining)),
        ...extra,
      });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const fail = (status: number, code: string, message: string, details: unknown = null, extra: Record<string, string> = {}) =>
      send(status, { error: { code, message, details } }, extra);

    if (req.headers.authorization !== `Bearer ${this.token}`) return fail(401, 'unauthorized', 'Request was made with an invalid or unknown token');

    const faultIndex = this.faults.findIndex((f) => f.match.test(`${method} ${path}`));
    if (faultIndex >= 0) {
      const [f] = this.faults.splice(faultIndex, 1);
      switch (f!.fault) {
        case 'unavailable':
          return fail(503, 'unavailable', 'A service or product is currently not available');
        case 'server_error':
          return fail(500, 'server_error', 'Error within the API backend');
        case 'invalid_input':
          return fail(400, 'invalid_input', 'invalid input in field size', { fields: [{ name: 'size', messages: ['must be greater than the current size'] }] });
        case 'locked':
          return fail(423, 'locked', 'The item you are trying to access is locked (there is already an Action running)');
        case 'rate_limit': {
          const reset = Math.floor(Date.now() / 1000) + f!.resetInSeconds;
          this.calls.push({ method, path, status: 429, body, at: Date.now() });
          res.writeHead(429, {
            'content-type': 'application/json',
            'ratelimit-limit': String(this.limit),
            'ratelimit-remaining': '0',
            'ratelimit-reset': String(reset),
          });
          res.end(JSON.stringify({ error: { code: 'rate_limit_exceeded', message: 'Error when sending too many requests', details: null } }));
          return;
        }
      }
    }
    this.settle();

    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/volumes') {
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const perPage = Math.min(50, Math.max(1, Number(url.searchParams.get('per_page') ?? 25)));
      const name = url.searchParams.get('name');
      const all = [...this.volumes.values()].filter((v) => !name || v.name === name).sort((a, b) => a.id - b.id);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (rel: string, p: number) => `<${this.url}/volumes?page=${p}&per_page=${perPage}>; rel="${rel}"`;
      const links = [page > 1 ? link('prev', page - 1) : '', page < last ? link('next', page + 1) : '', link('last', last)].filter(Boolean).join(', ');
      return send(
        200,
        {
          volumes: all.slice((page - 1) * perPage, page * perPage),
          meta: {
            pagination: {
              page,
              per_page: perPage,
              previous_page: page > 1 ? page - 1 : null,
              next_page: page < last ? page + 1 : null,
              last_page: last,
              total_entries: all.length,
            },
          },
        },
        { link: links },
      );
    }
    if ((m = /^\/volumes\/(\d+)$/.exec(path)) && method === 'GET') {
      const v = this.volumes.get(Number(m[1]));
      return v ? send(200, { volume: v }) : fail(404, 'not_found', 'volume not found');
    }
    if ((m = /^\/volumes\/(\d+)\/actions$/.exec(path)) && method === 'GET') {
      const id = Number(m[1]);
      if (!this.volumes.has(id)) return fail(404, 'not_found', 'volume not found');
      // As the API: filter by `status` (repeatable), `sort` by id/command/status/started/finished
      // (`:asc`/`:desc`, repeatable), page with `page`/`per_page` (at most 50).
      const statuses = url.searchParams.getAll('status');
      if (statuses.some((st) => !['running', 'success', 'error'].includes(st)))
        return fail(400, 'invalid_input', 'invalid input in field status', {
          fields: [{ name: 'status', messages: ['must be one of running, success, error'] }],
        });
      const sorts = url.searchParams.getAll('sort');
      const keys: { field: keyof FakeAction; desc: boolean }[] = [];
      for (const sort of sorts) {
        const sm = /^(id|command|status|started|finished)(?::(asc|desc))?$/.exec(sort);
        if (!sm) return fail(400, 'invalid_input', 'invalid input in field sort', { fields: [{ name: 'sort', messages: [`unknown sort "${sort}"`] }] });
        keys.push({ field: sm[1] as keyof FakeAction, desc: sm[2] === 'desc' });
      }
      keys.push({ field: 'id', desc: false });
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const perPage = Math.min(50, Math.max(1, Number(url.searchParams.get('per_page') ?? 25) || 25));
      const all = [...this.actions.values()]
        .filter((s) => s.volumeId === id && (statuses.length === 0 || statuses.includes(s.action.status)))
        .map((s) => s.action)
        .sort((a, b) => {
          for (const k of keys) {
            const [x, y] = [String(a[k.field] ?? ''), String(b[k.field] ?? '')];
            const c = k.field === 'id' ? a.id - b.id : x < y ? -1 : x > y ? 1 : 0;
            if (c !== 0) return k.desc ? -c : c;
          }
          return 0;
        });
      const last = Math.max(1, Math.ceil(all.length / perPage));
      return send(200, {
        actions: all.slice((page - 1) * perPage, page * perPage),
        meta: {
          pagination: {
            page,
            per_page: perPage,
            previous_page: page > 1 ? page - 1 : null,
            next_page: page < last ? page + 1 : null,
            last_page: last,
            total_entries: all.length,
          },
        },
      });
    }
    if ((m = /^\/volumes\/(\d+)\/actions\/resize$/.exec(path)) && method === 'POST') {
      const v = this.volumes.get(Number(m[1]));
      if (!v) return fail(404, 'not_found', 'volume not found');
      const size = (body as { size?: unknown } | undefined)?.size;
      if (typeof size !== 'number' || !Number.isFinite(size)) {
        return fail(400, 'invalid_input', 'invalid input in field size', { fields: [{ name: 'size', messages: ['is required and must be a number'] }] });
      }
      if (this.runningActionOn(v.id)) return fail(423, 'locked', 'The item you are trying to access is locked (there is already an Action running)');
      if (size <= v.size || size > 10240) {
        return fail(400, 'invalid_input', 'invalid input in field size', {
          fields: [{ name: 'size', messages: [size <= v.size ? 'must be greater than the current size' : 'must be at most 10240'] }],
        });
      }
      const action: FakeAction = {
        id: this.nextActionId++,
        command: 'resize_volume',
        status: 'running',
        progress: 0,
        started: new Date().toISOString(),
        finished: null,
        resources: [{ id: v.id, type: 'volume' }],
        error: null,
      };
      const state: ActionState = { action, volumeId: v.id, toSize: size, doneAt: Date.now() + this.actionDurationMs, fail: this.failNextAction };
      this.failNextAction = undefined;
      this.actions.set(action.id, state);
      this.calls.push({ method, path, status: 201, body, at: Date.now() });
      await this.onResize?.(v.id, size);
      if (res.destroyed || req.socket.destroyed) return;
      res.writeHead(201, { 'content-type': 'application/json', 'ratelimit-limit': String(this.limit), 'ratelimit-remaining': String(this.remaining) });
      res.end(JSON.stringify({ action: { ...action } }));
      return;
    }
    if ((m = /^\/actions\/(\d+)$/.exec(path)) && method === 'GET') {
      const s = this.actions.get(Number(m[1]));
      return s ? send(200, { action: s.action }) : fail(404, 'not_found', 'action not found');
    }
    return fail(404, 'not_found', `no route ${method} ${path}`);
  }
}
