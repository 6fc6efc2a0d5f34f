import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Phase } from '../check-type.js';
import { ProbeFailure, classifyError, describeError, type ConnectionStage } from './probe-failure.js';

export type IpFamily = 'any' | 'ipv4' | 'ipv6';

export interface TlsClientOptions {
  /** Accept any certificate (still measures the handshake). @defaultValue false */
  insecureSkipVerify?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** SNI and the name checked against the certificate. @defaultValue the URL's host */
  serverName?: string;
}

/** Adds headers to one hop right before it is sent (SigV4 signs each hop's exact request). */
export type RequestSigner = (req: { method: string; url: URL; headers: Record<string, string>; body: string | undefined }) => Promise<Record<string, string>>;

export interface HttpProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  followRedirects: boolean;
  maxRedirects: number;
  /** Which address family to try first; with `ipFallback: false` only that family. */
  ipFamily: IpFamily;
  ipFallback: boolean;
  tls: TlsClientOptions;
  maxBodyBytes: number;
  signal: AbortSignal;
  sign?: RequestSigner;
}

export interface HttpProbeResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Summed over redirect hops, in seconds (blackbox exporter does the same). */
  phases: Partial<Record<Phase, number>>;
  redirects: number;
  finalUrl: string;
}

/**
 * One HTTP exchange with per-phase timings, measured with node:http socket events (fetch hides
 * them). Each hop uses a fresh connection (agent: false) so dns/connect/tls are really measured.
 * Failures throw ProbeFailure with a reason from the fixed set.
 */
export async function httpProbe(req: HttpProbeRequest): Promise<HttpProbeResponse> {
  const phases: Partial<Record<Phase, number>> = {};
  let url = new URL(req.url);
  let method = req.method;
  let body = req.body;
  for (let hop = 0; ; hop++) {
    const res = await exchange(url, method, body, req, phases);
    const location = res.headers.location;
    if (!req.followRedirects || res.statusCode < 300 || res.statusCode >= 400 || res.statusCode === 304 || !location) {
      return { ...res, phases, redirects: hop, finalUrl: url.toString() };
    }
    if (hop >= req.maxRedirects) throw new ProbeFailure('http_status', `more than ${req.maxRedirects} redirects`, phases, res.statusCode);
    url = new URL(location, url);
    // 303 (and 301/302 after a POST, as browsers do) turn into a GET without a body.
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}

function add(phases: Partial<Record<Phase, number>>, phase: Phase, ms: number): void {
  phases[phase] = (phases[phase] ?? 0) + Math.max(0, ms) / 1000;
}

function preferringLookup(family: IpFamily, fallback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const want = family === 'ipv4' ? 4 : family === 'ipv6' ? 6 : 0;
      let list = want ? [...addresses.filter((a) => a.family === want), ...(fallback ? addresses.filter((a) => a.family !== want) : [])] : addresses;
      if (list.length === 0) {
        const e = Object.assign(new Error(`${hostname} has no ${family} address`), { code: 'ENODATA' });
        return callback(e, '', 0);
      }
      if (options.all) return callback(null, list);
      list = list.slice(0, 1);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

async function exchange(url: URL, method: string, body: string | undefined, req: HttpProbeRequest, phases: Partial<Record<Phase, number>>) {
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') throw new ProbeFailure('other', `unsupported URL scheme ${url.protocol}`, phases);
  let headers: Record<string, string> = { 'user-agent': 'alertworks-probe', ...req.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  if (req.sign) headers = { ...headers, ...(await req.sign({ method, url, headers, body })) };

  return new Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const t0 = performance.now();
    let stage: ConnectionStage = 'dns';
    let tDns: number | undefined, tConnect: number | undefined, tTls: number | undefined, tFirstByte: number | undefined;
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const options: https.RequestOptions = {
      protocol: url.protocol,
      hostname,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      agent: false,
      signal: req.signal,
      lookup: preferringLookup(req.ipFamily, req.ipFallback),
      ...(isHttps
        ? { rejectUnauthorized: !req.tls.insecureSkipVerify, ca: req.tls.ca, servername: req.tls.serverName ?? (isIp(hostname) ? undefined : hostname) }
        : {}),
    };
    const fail = (err: unknown) => {
      const reason = classifyError(err, stage, req.signal.aborted);
      const text = req.signal.aborted
        ? `no answer within the timeout (${stage === 'exchange' ? 'waiting for the response' : `during ${stage}`})`
        : describeError(err);
      reject(new ProbeFailure(reason, text, phases));
    };
    const request = (isHttps ? https : http).request(options, (res) => {
      tFirstByte = performance.now();
      add(phases, 'processing', tFirstByte - (tTls ?? tConnect ?? t0));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < req.maxBodyBytes) chunks.push(chunk.subarray(0, req.maxBodyBytes - size));
        size += chunk.length;
      });
      res.on('error', fail);
      res.on('end', () => {
        add(phases, 'transfer', performance.now() - tFirstByte!);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('socket', (socket) => {
      socket.once('lookup', (err: Error | null) => {
        if (err) return;
        tDns = performance.now();
        add(phases, 'dns', tDns - t0);
        stage = 'connect';
      });
      socket.once('connect', () => {
        if (tDns === undefined) {
          // An IP literal: no lookup happened.
          tDns = t0;
          add(phases, 'dns', 0);
        }
        tConnect = performance.now();
        add(phases, 'connect', tConnect - tDns);
        stage = isHttps ? 'tls' : 'exchange';
      });
      socket.once('secureConnect', () => {
        tTls = performance.now();
        add(phases, 'tls', tTls - (tConnect ?? t0));
        stage = 'exchange';
      });
      if (isIp(hostname)) stage = 'connect';
    });
    request.on('error', fail);
    request.end(body);
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
