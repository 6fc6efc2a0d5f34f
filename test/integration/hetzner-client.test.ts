import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HetznerClient } from '../../src/hetzner/client.js';
import { HetznerApiError } from '../../src/hetzner/errors.js';
import { PermanentError, RetryLaterError, TransientError } from '../../src/errors.js';
import { FakeHetzner } from '../fakes/hetzner.js';

describe('HetznerClient against the fake Hetzner Cloud API', () => {
  let fake: FakeHetzner;
  let client: HetznerClient;

  beforeAll(async () => {
    fake = await FakeHetzner.start({ actionDurationMs: 200 });
    client = new HetznerClient({ endpoint: fake.url, token: fake.token, lockedDelayMs: 1234 });
    for (let i = 1; i <= 120; i++) fake.addVolume({ id: 1000 + i, name: `vol-${i}`, size: 10 + i });
  });
  afterAll(() => fake.stop());

  it('reads one volume and lists all pages', async () => {
    const v = await client.getVolume(1001);
    expect(v).toMatchObject({ id: 1001, name: 'vol-1', size: 11, status: 'available', linux_device: '/dev/disk/by-id/scsi-0HC_Volume_1001' });
    const all = await client.listVolumes();
    expect(all).toHaveLength(120);
    expect(fake.calls.filter((c) => c.path === '/volumes')).toHaveLength(3);
    expect((await client.listVolumes({ name: 'vol-7' })).map((x) => x.id)).toEqual([1007]);
  });

  it('resizes, waits for the action, and the volume has the new size', async () => {
    const action = await client.resizeVolume(1002, 40);
    expect(action).toMatchObject({ command: 'resize_volume', status: 'running', resources: [{ id: 1002, type: 'volume' }] });
    const done = await client.waitForAction(action.id, { intervalMs: 50 });
    expect(done.status).toBe('success');
    expect((await client.getVolume(1002)).size).toBe(40);
    expect((await client.listVolumeActions(1002))[0]?.id).toBe(action.id);
  });

  it("reads a volume's resize actions since a moment, newest first, across pages, as the API sorts and pages them", async () => {
    const now = Date.now();
    // 120 actions, one a minute back from now; every third an attach (not a resize), one resize failed.
    for (let i = 0; i < 120; i++) {
      fake.addPastAction(1010, {
        command: i % 3 === 0 ? 'attach_volume' : 'resize_volume',
        started: new Date(now - (120 - i) * 60_000),
        status: i === 118 ? 'error' : 'success',
      });
    }
    const before = fake.calls.length;
    const found = await client.listResizeActions(1010, now - 90 * 60_000);
    const starts = found.map((a) => Date.parse(a.started));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(found.every((a) => a.command === 'resize_volume' && Date.parse(a.started) >= now - 90 * 60_000)).toBe(true);
    expect(found).toHaveLength(60);
    // 90 recent actions at 50 a page: two pages, then it stops at the first older one.
    expect(fake.calls.slice(before).map((c) => c.path)).toEqual(['/volumes/1010/actions', '/volumes/1010/actions']);
    const badSort = await fetch(`${fake.url}/volumes/1010/actions?sort=bogus`, { headers: { authorization: `Bearer ${fake.token}` } });
    expect(badSort.status).toBe(400);
    expect(((await badSort.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
  });

  it('maps the API error object to classified errors with the API code', async () => {
    const first = await client.resizeVolume(1003, 50);
    const locked = await client.resizeVolume(1003, 60).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(RetryLaterError);
    expect((locked as RetryLaterError).delayMs).toBe(1234);
    expect(((locked as Error).cause as HetznerApiError).status).toBe(423);
    await client.waitForAction(first.id, { intervalMs: 50 });

    const smaller = await client.resizeVolume(1003, 50).catch((e: unknown) => e);
    expect(smaller).toBeInstanceOf(PermanentError);
    expect((smaller as PermanentError).code).toBe('hetzner_invalid_input');

    const missing = await client.getVolume(999_999).catch((e: unknown) => e);
    expect((missing as PermanentError).code).toBe('hetzner_not_found');

    fake.failNext(1, 'rate_limit', { resetInSeconds: 7 });
    const limited = await client.getVolume(1001).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryLaterError);
    expect((limited as RetryLaterError).delayMs).toBeGreaterThan(5_000);
    expect((limited as RetryLaterError).delayMs).toBeLessThanOrEqual(7_250);

    fake.failNext(1, 'unavailable');
    const down = await client.getVolume(1001).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(TransientError);
    expect((down as TransientError).code).toBe('hetzner_unavailable');
  });

  it('never puts the token in an error', async () => {
    const bad = new HetznerClient({ endpoint: fake.url, token: 'secret-token-which-is-wrong' });
    const err = (await bad.getVolume(1001).catch((e: unknown) => e)) as PermanentError;
    expect(err.code).toBe('hetzner_unauthorized');
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain('secret-token-which-is-wrong');
  });

  it('times out waiting for an action that keeps running', async () => {
    fake.actionDurationMs = 5_000;
    const action = await client.resizeVolume(1004, 100);
    const err = await client.waitForAction(action.id, { intervalMs: 50, timeoutMs: 200 }).catch((e: unknown) => e);
    expect((err as TransientError).code).toBe('hetzner_action_timeout');
    fake.actionDurationMs = 200;
  });
});
