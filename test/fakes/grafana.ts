import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Grafana's annotations HTTP API (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/),
 * following its shapes: `Authorization: Bearer <service account token>`; POST /api/annotations
 * answers 200 `{"message":"Annotation added","id":N}`; 401 `{"message":"Unauthorized"}` without
 * credentials and `{"message":"Invalid API key", "messageId":"api-keys.invalid", ...}` with a
 * wrong token; 400 `{"message":"bad request data"}` for a body that is not JSON and
 * `{"message":"text field should not be empty"}` without text; GET /api/annotations?tags=&from=&to=
 * lists them (newest first, as Grafana does).
 */
export interface GrafanaAnnotation {
  id: number;
  time: number;
  timeEnd: number;
  tags: string[];
  text: string;
  dashboardUID: string;
  panelId: number;
}

export class FakeGrafana {
  readonly annotations: GrafanaAnnotation[] = [];
  /** Statuses to answer the next POSTs with instead of storing (500, 503, ...). */
  readonly failNext: number[] = [];
  private server?: Server;
  port = 0;

  constructor(readonly token = 'glsa_fakeServiceAccountToken_0123456789') {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  withTag(tag: string): GrafanaAnnotation[] {
    return this.annotations.filter((a) => a.tags.includes(tag));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== '/api/annotations') return send(404, { message: 'Not found' });
    const auth = req.headers.authorization;
    if (!auth) return send(401, { message: 'Unauthorized' });
    if (auth !== `Bearer ${this.token}`)
      return send(401, { extra: null, message: 'Invalid API key', messageId: 'api-keys.invalid', statusCode: 401, traceID: '' });
    if (req.method === 'GET') {
      const tags = url.searchParams.getAll('tags');
      const from = Number(url.searchParams.get('from') ?? 0);
      const to = Number(url.searchParams.get('to') ?? Number.MAX_SAFE_INTEGER);
      return send(200, this.annotations.filter((a) => tags.every((t) => a.tags.includes(t)) && a.time >= from && a.time <= to).reverse());
    }
    if (req.method !== 'POST') return send(405, { message: 'Method not allowed' });
    const fault = this.failNext.shift();
    if (fault) return send(fault, { message: 'Failed to save annotation' });
    let body: { time?: number; timeEnd?: number; tags?: unknown; text?: unknown; dashboardUID?: string; panelId?: number };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return send(400, { message: 'bad request data' });
    }
    if (typeof body.text !== 'string' || body.text === '') return send(400, { message: 'text field should not be empty' });
    const id = this.annotations.length + 1;
    const time = body.time ?? Date.now();
    this.annotations.push({
      id,
      time,
      timeEnd: body.timeEnd ?? time,
      tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
      text: body.text,
      dashboardUID: body.dashboardUID ?? '',
      panelId: body.panelId ?? 0,
    });
    return send(200, { message: 'Annotation added', id });
  }
}
