import http2 from 'node:http2';
import net from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineCheckType, type CheckBase, type Phase, type ProbeResult } from '../check-type.js';
import { upgradeToTls } from '../../src/tls/upgrade.js';
import { loadTls } from './http-options.js';
import type { TlsClientOptions } from './http-request.js';
import { classifyError, describeError, type ConnectionStage } from './probe-failure.js';
import { raceAbort, splitTarget } from './tcp.js';
import { probeDeadline } from './deadline.js';

/**
 * gRPC health checks (grpc.health.v1.Health/Check, the standard health protocol), spoken over
 * node:http2 with the two one-field protobuf messages written by hand: no gRPC library, no
 * .proto at run time, and the same phase timings as the other probes.
 */

/** grpc.health.v1.HealthCheckResponse.ServingStatus, by number. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
type ServingStatus = (typeof SERVING_STATUS)[number];
const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
/** Health answers are a few bytes; anything bigger is not a health service. */
const MAX_RESPONSE_BYTES = 64 * 1024;

const grpcFields = {
  /** "host:port" of the gRPC server. */
  target: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s/]+):\d{1,5}$/, 'must be "host:port"'),
  /** The service to ask about; empty asks about the server as a whole. @defaultValue "" */
  service: z.string().max(200).default(''),
  /** TLS (true, or options) or plaintext h2c (false). @defaultValue false */
  tls: z
    .union([z.boolean(), z.strictObject({ insecureSkipVerify: z.boolean().default(false), caFile: z.string().optional(), serverName: z.string().optional() })])
    .default(false),
  ipFamily: z.enum(['any', 'ipv4', 'ipv6']).default('any'),
};

export type GrpcCheck = Omit<z.output<z.ZodObject<typeof grpcFields>>, 'tls'> & { tls: TlsClientOptions | undefined } & CheckBase;

/** The request message: field 1 (service), a length-delimited string; empty = no field at all. */
function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt8(0, 0); // not compressed
  frame.writeUInt32BE(message.length, 1);
  return Buffer.concat([frame, message]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** Reads field 1 (status, varint) of a framed HealthCheckResponse; undefined when it is not one. */
function decodeHealthResponse(body: Buffer): ServingStatus | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  const message = body.subarray(5, 5 + length);
  if (message.length !== length) return undefined;
  let status = 0; // proto3: an absent field is its zero value (UNKNOWN)
  for (let i = 0; i < message.length;) {
    const tag = message[i++]!;
    const wire = tag & 7;
    let value = 0;
    if (wire === 0) {
      for (let shift = 0; i < message.length && shift < 35; shift += 7) {
        const b = message[i++]!;
        value |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
      }
      if (tag >> 3 === 1) status = value;
    } else if (wire === 2) {
      let len = 0;
      for (let shift = 0; i < message.length && shift < 35; shift += 7) {
        const b = message[i++]!;
        len |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
      }
      i += len; // an unknown field of a newer server: skipped
    } else {
      return undefined;
    }
  }
  return SERVING_STATUS[status] ?? 'UNKNOWN';
}

/** Connects (measuring dns, connect, tls) and hands the socket to an HTTP/2 session. */
async function openSocket(
  check: GrpcCheck,
  signal: AbortSignal,
  phases: Partial<Record<Phase, number>>,
  stage: { at: ConnectionStage },
  sockets: net.Socket[],
) {
  const { host, port } = splitTarget(check.target);
  let t = performance.now();
  const family = check.ipFamily === 'ipv4' ? 4 : check.ipFamily === 'ipv6' ? 6 : 0;
  const address = net.isIP(host) ? host : (await raceAbort(dnsLookup(host, { family }), signal)).address;
  phases.dns = (performance.now() - t) / 1000;
  stage.at = 'connect';
  t = performance.now();
  const raw = net.connect({ host: address, port });
  sockets.push(raw);
  raw.on('error', () => undefined);
  await raceAbort(new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject)), signal);
  phases.connect = (performance.now() - t) / 1000;
  if (!check.tls) return { socket: raw as net.Socket, authority: `${host}:${port}`, scheme: 'http' };
  stage.at = 'tls';
  t = performance.now();
  const upgrade = upgradeToTls(raw, {
    host,
    serverName: check.tls.serverName,
    rejectUnauthorized: !check.tls.insecureSkipVerify,
    ca: check.tls.ca,
    alpn: ['h2'],
  });
  sockets.push(upgrade.socket);
  const secure = await raceAbort(upgrade.ready, signal);
  phases.tls = (performance.now() - t) / 1000;
  return { socket: secure as net.Socket, authority: `${check.tls.serverName ?? host}:${port}`, scheme: 'https' };
}

interface CallOutcome {
  grpcStatus: number;
  grpcMessage: string;
  body: Buffer;
}

/** One unary call on an open socket; resolves with the status from the trailers (or a trailers-only answer). */
function callHealth(socket: net.Socket, authority: string, scheme: string, service: string, signal: AbortSignal, budgetMs: number): Promise<CallOutcome> {
  const session = http2.connect(`${scheme}://${authority}`, { createConnection: () => socket });
  session.on('error', () => undefined);
  const done = new Promise<CallOutcome>((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      ':authority': authority,
      'content-type': 'application/grpc',
      te: 'trailers',
      // The server may give up when we do (grpc-timeout, in milliseconds).
      'grpc-timeout': `${Math.max(1, Math.ceil(budgetMs))}m`,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let headers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (headers = h));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) req.close(http2.constants.NGHTTP2_CANCEL);
      else chunks.push(chunk);
    });
    req.on('trailers', (trailers) => (headers = { ...headers, ...trailers }));
    req.on('error', reject);
    req.on('close', () => {
      const status = headers[':status'] === undefined ? undefined : Number(headers[':status']);
      const grpcStatus = headers['grpc-status'];
      if (status !== undefined && status !== 200)
        return reject(Object.assign(new Error(`HTTP status ${status} (not a gRPC server?)`), { code: 'GRPC_HTTP_STATUS' }));
      if (grpcStatus === undefined) return reject(Object.assign(new Error('the answer has no grpc-status'), { code: 'GRPC_NO_STATUS' }));
      resolve({ grpcStatus: Number(grpcStatus), grpcMessage: grpcMessageText(headers['grpc-message']), body: Buffer.concat(chunks) });
    });
    req.end(encodeHealthRequest(service));
  });
  return raceAbort(done, signal).finally(() => session.destroy());
}

/** grpc-message is percent-encoded; a malformed one is shown as sent. */
function grpcMessageText(value: unknown): string {
  const text = String(value ?? '');
  try {
    return decodeURIComponent(text).slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

async function probeGrpc(check: GrpcCheck, outer: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const signal = probeDeadline(outer, check.timeoutMs);
  const phases: Partial<Record<Phase, number>> = {};
  const stage: { at: ConnectionStage } = { at: 'dns' };
  const sockets: net.Socket[] = [];
  try {
    const { socket, authority, scheme } = await openSocket(check, signal, phases, stage, sockets);
    stage.at = 'exchange';
    const t = performance.now();
    const call = await callHealth(socket, authority, scheme, check.service, signal, check.timeoutMs - (t - started));
    phases.processing = (performance.now() - t) / 1000;
    const base = { durationSeconds: elapsed(), phases, statusCode: call.grpcStatus };
    const what = check.service ? `service "${check.service}"` : 'the server';
    if (call.grpcStatus === GRPC_NOT_FOUND)
      return {
        ...base,
        success: false,
        failureReason: 'service_unknown',
        error: `${what} is unknown to the health service`,
        details: { servingStatus: 'SERVICE_UNKNOWN' },
      };
    if (call.grpcStatus !== 0)
      return {
        ...base,
        success: false,
        failureReason: 'grpc_status',
        error: `gRPC status ${call.grpcStatus}${call.grpcMessage ? `: ${call.grpcMessage}` : ''}`,
      };
    const serving = decodeHealthResponse(call.body);
    if (serving === undefined) return { ...base, success: false, failureReason: 'other', error: 'the answer is not a HealthCheckResponse' };
    if (serving !== 'SERVING')
      return {
        ...base,
        success: false,
        failureReason: serving === 'SERVICE_UNKNOWN' ? 'service_unknown' : 'not_serving',
        error: `${what} is ${serving}`,
        details: { servingStatus: serving },
      };
    return { ...base, success: true, details: { servingStatus: serving } };
  } catch (err) {
    const timedOut = signal.aborted;
    // What a gRPC client reports for a call that got no answer: DEADLINE_EXCEEDED or UNAVAILABLE.
    const statusCode = timedOut ? GRPC_DEADLINE_EXCEEDED : GRPC_UNAVAILABLE;
    return {
      success: false,
      durationSeconds: elapsed(),
      phases,
      statusCode,
      failureReason: classifyError(err, stage.at, timedOut),
      error: timedOut ? `no answer within ${check.timeoutMs}ms (during ${stage.at})` : describeError(err),
    };
  } finally {
    sockets.at(-1)?.destroy();
  }
}

export const grpcCheck = defineCheckType({
  type: 'grpc',
  fields: grpcFields,
  resolve(own, ctx) {
    const tlsRaw = own.tls === false ? undefined : own.tls === true ? { insecureSkipVerify: false } : own.tls;
    return { ...own, tls: tlsRaw ? loadTls(tlsRaw, ctx) : undefined };
  },
  phases: ['dns', 'connect', 'tls', 'processing'],
  reasons: ['dns', 'connect', 'tls', 'timeout', 'grpc_status', 'not_serving', 'service_unknown', 'other'],
  metrics: [
    {
      name: 'probe_grpc_status_code',
      help: 'gRPC status code of the last health check (0 OK, 5 NOT_FOUND, 14 UNAVAILABLE when no answer, ...).',
      read: (r) => r.statusCode,
    },
    {
      name: 'probe_grpc_healthcheck_response',
      help: 'Serving status of the last gRPC health check: 1 for the status answered, 0 for the others.',
      label: { name: 'serving_status', values: SERVING_STATUS },
      read: (r) => {
        const answered = r.details?.servingStatus;
        return Object.fromEntries(SERVING_STATUS.map((s) => [s, s === answered ? 1 : 0]));
      },
    },
  ],
  example: { target: 'api.internal:9090' },
  probe: (check, ctx) => probeGrpc(check, ctx.signal),
});
