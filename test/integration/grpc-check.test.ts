import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcCheck } from '../../checks/types/grpc.js';
import { ProbeMetrics } from '../../checks/check-metrics.js';
import type { ProbeResult } from '../../checks/check-type.js';
import { logger } from '../../src/observability/logger.js';
import { TestPki } from '../support/certs.js';
import { silentServer } from '../support/check-targets.js';
import { freePort } from '../support/ports.js';
import { GrpcHealthServer } from '../support/grpc-health.js';

/** The grpc check against a real gRPC server (grpc-js) implementing grpc.health.v1. */
describe('grpc health check', () => {
  let plain: GrpcHealthServer;
  let secure: GrpcHealthServer;
  let caFile: string;

  const probe = (raw: Record<string, unknown>): Promise<ProbeResult> => {
    const check = grpcCheck.schema.parse({ name: 'g', type: 'grpc', ...raw });
    return grpcCheck.probe(check, { signal: new AbortController().signal, logger });
  };

  beforeAll(async () => {
    const pki = TestPki.create('grpc test');
    const leaf = pki.leaf({ commonName: 'grpc.test', sans: ['grpc.test'], notAfterDays: 30 });
    caFile = join(mkdtempSync(join(tmpdir(), 'aw-grpc-')), 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    [plain, secure] = await Promise.all([
      GrpcHealthServer.start({ '': 'SERVING', orders: 'SERVING', billing: 'NOT_SERVING', legacy: 'UNKNOWN' }),
      GrpcHealthServer.start({ '': 'SERVING', orders: 'NOT_SERVING' }, { certPem: leaf.chainPem, keyPem: leaf.keyPem }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), secure?.stop()]);
  });

  it.each([
    ['the whole server, SERVING', {}, { success: true, statusCode: 0, details: { servingStatus: 'SERVING' } }],
    ['a named service, SERVING', { service: 'orders' }, { success: true, statusCode: 0 }],
    ['NOT_SERVING', { service: 'billing' }, { success: false, statusCode: 0, failureReason: 'not_serving', error: 'service "billing" is NOT_SERVING' }],
    ['UNKNOWN', { service: 'legacy' }, { success: false, failureReason: 'not_serving', error: 'service "legacy" is UNKNOWN' }],
    [
      'an unknown service (NOT_FOUND)',
      { service: 'nope' },
      { success: false, statusCode: 5, failureReason: 'service_unknown', error: 'service "nope" is unknown to the health service' },
    ],
  ])('plaintext: %s', async (_name, raw, expected) => {
    const result = await probe({ target: plain.target, ...raw });
    expect(result).toMatchObject(expected);
    expect(plain.requests.at(-1)).toBe((raw as { service?: string }).service ?? '');
    expect(result.phases.connect).toBeGreaterThanOrEqual(0);
    expect(result.phases.processing).toBeGreaterThanOrEqual(0);
  });

  it('TLS with the CA: SERVING, and NOT_SERVING for a named service', async () => {
    const tls = { caFile, serverName: 'grpc.test' };
    expect(await probe({ target: secure.target, tls })).toMatchObject({ success: true, statusCode: 0 });
    const down = await probe({ target: secure.target, tls, service: 'orders' });
    expect(down).toMatchObject({ success: false, failureReason: 'not_serving' });
    expect(down.phases.tls).toBeGreaterThan(0);
  });

  it('TLS without the CA fails the handshake with reason tls', async () => {
    expect(await probe({ target: secure.target, tls: { serverName: 'grpc.test' } })).toMatchObject({ success: false, failureReason: 'tls' });
  });

  it('an unreachable server is a connect failure', async () => {
    expect(await probe({ target: `127.0.0.1:${await freePort()}` })).toMatchObject({
      success: false,
      statusCode: 14,
      failureReason: 'connect',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('a server that never answers is a timeout', async () => {
    const silent = await silentServer();
    try {
      expect(await probe({ target: `127.0.0.1:${silent.port}`, timeout: '300ms', interval: '1s' })).toMatchObject({
        success: false,
        statusCode: 4,
        failureReason: 'timeout',
      });
    } finally {
      await silent.stop();
    }
  });

  it('writes the blackbox exporter grpc metrics', async () => {
    const registry = new Registry();
    const metrics = new ProbeMetrics(registry, [grpcCheck]);
    metrics.record({ name: 'g', type: 'grpc' }, await probe({ target: plain.target, service: 'billing' }));
    const text = await registry.metrics();
    expect(text).toContain('probe_success{check="g"} 0');
    expect(text).toContain('probe_grpc_status_code{check="g"} 0');
    expect(text).toContain('probe_grpc_healthcheck_response{check="g",serving_status="NOT_SERVING"} 1');
    expect(text).toContain('probe_grpc_healthcheck_response{check="g",serving_status="SERVING"} 0');
  });
});
