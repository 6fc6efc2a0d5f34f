import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import { WebhookRejections } from './webhook-rejections.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const value = async (reason: string) =>
  (await registry.getSingleMetric('alertworks_webhook_rejected_total')?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('WebhookRejections', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('logs the first refusal at once, sums the rest of the interval into one line, per reason', async () => {
    const { lines, logger } = capture();
    const rejections = new WebhookRejections(logger, 60_000);
    const before = await value('invalid_credentials');
    for (let i = 0; i < 1_000; i++) rejections.record('invalid_credentials', `10.0.0.${i % 4}`, 'Authorization header does not match');
    rejections.record('body_too_large', '10.0.0.9', 'body larger than 2048 bytes');
    expect(lines.map((l) => [l.reason, l.count])).toEqual([
      ['invalid_credentials', 1],
      ['body_too_large', 1],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(lines.map((l) => [l.reason, l.count, l.remote])).toEqual([
      ['invalid_credentials', 1, '10.0.0.0'],
      ['body_too_large', 1, '10.0.0.9'],
      ['invalid_credentials', 999, '10.0.0.3'],
    ]);
    expect(lines.every((l) => l.level === 'warn' && l.msg === 'webhook refused')).toBe(true);
    expect(await value('invalid_credentials')).toBe(before + 1_000);
    // A quiet interval adds nothing; the next refusal after it is logged at once again.
    vi.advanceTimersByTime(120_000);
    expect(lines).toHaveLength(3);
    rejections.record('invalid_credentials', '10.0.0.1', 'again');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ reason: 'invalid_credentials', count: 1, detail: 'again' });
  });

  it('clips the detail (it may quote sender input)', () => {
    const { lines, logger } = capture();
    new WebhookRejections(logger, 60_000).record('invalid_payload', 'unknown', `alerts[0].labels.${'x'.repeat(5_000)}: Invalid input`);
    expect(String(lines[0]?.detail).length).toBeLessThanOrEqual(300);
  });

  it('every reason is exported at 0 before anything is refused', async () => {
    const text = await registry.metrics();
    for (const reason of ['missing_credentials', 'invalid_signature', 'stale_signature', 'unsupported_media_type', 'invalid_json']) {
      expect(text).toMatch(new RegExp(`alertworks_webhook_rejected_total\\{reason="${reason}"\\} \\d+`));
    }
  });
});
