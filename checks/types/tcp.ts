import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineCheckType, type Phase, type ProbeResult } from '../check-type.js';
import { upgradeToTls } from '../../src/tls/upgrade.js';
import { loadTls } from './http-options.js';
import { ProbeFailure, classifyError, describeError, type ConnectionStage } from './probe-failure.js';
import { lookup as dnsLookup } from 'node:dns/promises';
import { probeDeadline } from './deadline.js';

/** "host:port" or "[v6]:port". */
const target = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be "host:port"');

const tcpFields = {
  target,
  /** Do a TLS handshake after connecting (and measure it). */
  tls: z
    .union([z.boolean(), z.strictObject({ insecureSkipVerify: z.boolean().default(false), caFile: z.string().optional(), serverName: z.string().optional() })])
    .default(false),
  ipFamily: z.enum(['any', 'ipv4', 'ipv6']).default('any'),
};

export function splitTarget(t: string): { host: string; port: number } {
  const i = t.lastIndexOf(':');
  const host = t.slice(0, i);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(t.slice(i + 1)) };
}

export const tcpCheck = defineCheckType({
  type: 'tcp',
  fields: tcpFields,
  resolve(own, ctx) {
    const tlsRaw = own.tls === false ? undefined : own.tls === true ? { insecureSkipVerify: false } : own.tls;
    return { ...own, tls: tlsRaw ? loadTls(tlsRaw, ctx) : undefined };
  },
  phases: ['dns', 'connect', 'tls'],
  reasons: ['dns', 'connect', 'tls', 'timeout', 'other'],
  example: { target: 'db.internal:5432' },
  async probe(check, ctx): Promise<ProbeResult> {
    const started = performance.now();
    const phases: Partial<Record<Phase, number>> = {};
    const signal = probeDeadline(ctx.signal, check.timeoutMs);
    const { host, port } = splitTarget(check.target);
    let stage: ConnectionStage = 'dns';
    const sockets: net.Socket[] = [];
    // Destroy only the outermost socket: a TLSSocket owns its raw socket, and destroying both crashes Node 20.
    const destroy = () => sockets.at(-1)?.destroy();
    const onAbort = destroy;
    signal.addEventListener('abort', onAbort);
    try {
      let t = performance.now();
      const family = check.ipFamily === 'ipv4' ? 4 : check.ipFamily === 'ipv6' ? 6 : 0;
      const address = net.isIP(host) ? host : (await raceAbort(dnsLookup(host, { family }), signal)).address;
      phases.dns = (performance.now() - t) / 1000;
      stage = 'connect';
      t = performance.now();
      const socket = net.connect({ host: address, port });
      sockets.push(socket);
      socket.on('error', () => undefined); // failures are taken from the once-listeners below; later ones must not crash
      await raceAbort(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), signal);
      phases.connect = (performance.now() - t) / 1000;
      if (check.tls) {
        stage = 'tls';
        t = performance.now();
        const upgrade = upgradeToTls(socket, { host, serverName: check.tls.serverName, rejectUnauthorized: !check.tls.insecureSkipVerify, ca: check.tls.ca });
        sockets.push(upgrade.socket);
        await raceAbort(upgrade.ready, signal);
        phases.tls = (performance.now() - t) / 1000;
      }
      return { success: true, durationSeconds: (performance.now() - started) / 1000, phases };
    } catch (err) {
      const timedOut = signal.aborted;
      const failure = new ProbeFailure(
        classifyError(err, stage, timedOut),
        timedOut ? `no answer within the timeout (during ${stage})` : describeError(err),
        phases,
      );
      return { success: false, durationSeconds: (performance.now() - started) / 1000, phases, failureReason: failure.reason, error: failure.message };
    } finally {
      signal.removeEventListener('abort', onAbort);
      destroy();
    }
  },
});

export type TcpCheck = z.output<typeof tcpCheck.schema>;

/** Rejects when the signal aborts; the caller destroys what the promise was waiting for. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
