import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckType, ProbeResult } from '../../checks/check-type.js';
import { probeDeadline } from '../../checks/types/deadline.js';
import { grpcCheck } from '../../checks/types/grpc.js';
import { httpCheck } from '../../checks/types/http.js';
import { tcpCheck } from '../../checks/types/tcp.js';
import { logger } from '../../src/observability/logger.js';
import { silentServer } from '../support/check-targets.js';

// A garbage collection on demand, in this worker: the defect below shows only after one.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A probe's timeout must fire even when the process collects garbage while the probe waits.
 * `AbortSignal.any([outer, AbortSignal.timeout(ms)])` on Node 20 loses its timeout to the first
 * collection (the timeout signal is held only weakly), and a probe of a server that accepts
 * and never answers waited forever: a fresh-clone CI run hung 60 s in the grpc timeout test,
 * and in a `work` process, where collections never stop, such a check never reported DOWN.
 */
describe('probe deadlines survive garbage collection', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    await silent?.stop();
  });

  it('probeDeadline aborts with a TimeoutError after collections, or with the outer reason first', async () => {
    const deadlines = Array.from({ length: 100 }, () => probeDeadline(new AbortController().signal, 50));
    const fired = deadlines.map((signal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))));
    gc();
    gc();
    const reasons = await Promise.race([Promise.all(fired), sleep(2_000).then(() => 'still waiting')]);
    expect(Array.isArray(reasons) && reasons.every((r) => r instanceof DOMException && r.name === 'TimeoutError')).toBe(true);

    const outer = new AbortController();
    const signal = probeDeadline(outer.signal, 60_000);
    outer.abort(new Error('check removed'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('check removed');
  });

  const silentTargets: [string, CheckType, () => Record<string, unknown>][] = [
    ['http', httpCheck, () => ({ url: `http://127.0.0.1:${silent.port}/` })],
    ['tcp with TLS', tcpCheck, () => ({ target: `127.0.0.1:${silent.port}`, tls: true })],
    ['grpc', grpcCheck, () => ({ target: `127.0.0.1:${silent.port}` })],
  ];

  it.each(silentTargets)('%s: a server that never answers is a timeout, also after a collection mid-wait', async (_name, type, raw) => {
    const check = type.schema.parse({ name: 't', type: type.type, timeout: '300ms', interval: '1s', ...raw() });
    const probe = type.probe(check, { signal: new AbortController().signal, logger });
    await sleep(100);
    gc();
    gc();
    const result = await Promise.race([probe, sleep(5_000).then(() => 'still waiting after 5 s' as const)]);
    expect(result).toMatchObject({ success: false, failureReason: 'timeout' } satisfies Partial<ProbeResult>);
    expect((result as ProbeResult).durationSeconds).toBeLessThan(2);
  });
});
