import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a stand-in sees it. */
export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface StandInResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: StandInRequest) => StandInResponse | Promise<StandInResponse>;
export interface Route {
  method: string;
  /** Regex on the path; capture groups become `params`. */
  path: RegExp;
  handler: Handler;
}

export interface StandIn {
  /** Printed before every line of its output, e.g. "[stand-in Hetzner Cloud API]". */
  label: string;
  url: string;
  calls: { method: string; path: string }[];
  close(): Promise<void>;
}

/**
 * A small local HTTP server that plays an external API for the demo. It is NOT the real
 * service: everything it does is printed with its label. Unknown routes answer 404 in the
 * API's own error shape (`notFound`) and are printed too, so a gap is visible, not silent.
 */
export async function startStandIn(options: {
  label: string;
  routes: Route[];
  notFound: (req: StandInRequest) => StandInResponse;
  print: (line: string) => void;
  /** Prefix of every API path, e.g. "/v1" for Hetzner. */
  base?: string;
}): Promise<StandIn> {
  const calls: StandIn['calls'] = [];
  const base = options.base ?? '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        const pathname = decodeURIComponent(url.pathname);
        const path = pathname.startsWith(base) ? pathname.slice(base.length) || '/' : pathname;
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        const type = req.headers['content-type'] ?? '';
        if (type.includes('json') && raw) body = JSON.parse(raw);
        else if (type.includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
        const method = req.method ?? 'GET';
        calls.push({ method, path });
        let result: StandInResponse | undefined;
        for (const route of options.routes) {
          const match = route.method === method ? route.path.exec(path) : null;
          if (match) {
            result = await route.handler({ method, path, query: url.searchParams, params: match.slice(1), headers: req.headers, body });
            break;
          }
        }
        if (!result) {
          result = options.notFound({ method, path, query: url.searchParams, params: [], headers: req.headers, body });
          options.print(`${options.label} ${method} ${path} -> ${result.status} (not played by this stand-in)`);
        }
        res.writeHead(result.status, { ...(result.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...result.headers });
        res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
      })().catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    label: options.label,
    url: `http://127.0.0.1:${port}${base}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
