import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError, TransientError } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import type { Action, AlertJob } from '../action.js';
import { jobFailures, wrapProcessor } from './run-workers.js';

const logger = createLogger({ level: 'silent' });
const action = { name: 'demo-action', description: 'test', create: () => async () => ({ outcome: 'done' }) } as Action;

/** Just what runJob reads of a BullMQ job. */
function job(attemptsMade: number, attempts = 3): AlertJob {
  return {
    id: `j${attemptsMade}`,
    queueName: 'demo-action',
    data: { alert: {}, dedupKey: 'k' },
    attemptsMade,
    opts: { attempts },
    moveToDelayed: async () => undefined,
  } as unknown as AlertJob;
}

async function failuresFor(reason: string, outcome: string): Promise<number> {
  const { values } = await jobFailures.get();
  return values.find((v) => v.labels.queue === 'demo-action' && v.labels.reason === reason && v.labels.outcome === outcome)?.value ?? 0;
}

describe('failed jobs are counted by reason from the taxonomy', () => {
  it.each([
    [
      'a permanent error gives up at once',
      new PermanentError('no such volume', 'hetzner_not_found', { reason: 'not_found' }),
      0,
      'not_found',
      'given_up',
      UnrecoverableError,
    ],
    [
      'a transient error with attempts left is retried',
      new TransientError('503', 'hetzner_server_error', { reason: 'server_error' }),
      0,
      'server_error',
      'retry',
      Error,
    ],
    [
      'a transient error on the last attempt gives up',
      new TransientError('timeout', 'hetzner_timeout', { reason: 'timeout' }),
      2,
      'timeout',
      'given_up',
      Error,
    ],
    ['a rate limit is delayed', new RetryLaterError('429', 'github_rate_limited', 1000, { reason: 'rate_limited' }), 0, 'rate_limited', 'delayed', Error],
    ['an unknown error is other', new Error('boom'), 0, 'other', 'retry', Error],
  ])('%s', async (_name, thrown, attemptsMade, reason, outcome, rethrown) => {
    const before = await failuresFor(reason, outcome);
    const run = wrapProcessor(action, async () => Promise.reject(thrown), logger, {});
    await expect(run(job(attemptsMade), 'token')).rejects.toBeInstanceOf(rethrown);
    expect(await failuresFor(reason, outcome)).toBe(before + 1);
  });
});
