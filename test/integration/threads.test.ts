import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient as Redis } from '../../src/redis.js';
import { SlackNotifier } from '../../src/notify/slack-notifier.js';
import { IncidentThreads } from '../../src/notify/threads.js';
import type { ChatMessage, ChatNotifier, ChatRef } from '../../src/notify/notifier.js';
import { FakeSlack } from '../fakes/slack.js';
import { RedisServer } from '../support/redis-server.js';

/** A notifier whose process "dies" right after Slack accepted the message, before anything is recorded. */
function dyingAfterPost(inner: SlackNotifier): ChatNotifier & { armed: boolean } {
  return {
    kind: 'slack',
    armed: true,
    async post(message: ChatMessage, threadTs?: string): Promise<ChatRef> {
      const ref = await inner.post(message, threadTs);
      if (this.armed) throw new Error('worker killed after the post');
      return ref;
    },
    update: (ref, message) => inner.update(ref, message),
    findMarked: (marker, options) => inner.findMarked(marker, options),
  };
}

describe('incident threads: a job that dies between posting and recording posts nothing twice', () => {
  let redis: RedisServer;
  let client: Redis;
  let slack: FakeSlack;
  let notifier: SlackNotifier;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    slack = await new FakeSlack().start();
    notifier = new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl });
    // The bot has posted before: the channel's id (history calls take ids) is known in Redis.
    await new IncidentThreads(client, notifier, '{t}').say('warm-up', { text: 'warm-up' });
  });

  afterAll(async () => {
    client.disconnect();
    await slack.stop();
    await redis.destroy();
  });

  it.each([
    ['the first message (opening the thread)', 'inc-root', false],
    ['a reply in an open thread', 'inc-reply', true],
  ])('%s', async (_name, incident, threadFirst) => {
    const threads = new IncidentThreads(client, notifier, '{t}');
    if (threadFirst) await threads.say(incident, { text: `${incident} opened` }, { step: 'open' });

    const dying = dyingAfterPost(notifier);
    const crashed = new IncidentThreads(client, dying, '{t}');
    await expect(crashed.say(incident, { text: `${incident} step` }, { step: 'step-1' })).rejects.toThrow('worker killed');
    expect(slack.messages.filter((m) => m.text === `${incident} step`)).toHaveLength(1);

    // The retry (a new process: nothing in memory) finds the message and records it.
    const retry = new IncidentThreads(client, new SlackNotifier({ token: slack.token, channel: '#ops', apiUrl: slack.apiUrl }), '{t}');
    const root = await retry.say(incident, { text: `${incident} step` }, { step: 'step-1' });
    expect(slack.messages.filter((m) => m.text === `${incident} step`)).toHaveLength(1);
    expect(await retry.hasSaid(incident, 'step-1')).toBe(true);
    // And the thread is the one the lost message opened or replied in.
    await retry.say(incident, { text: `${incident} next` }, { step: 'step-2' });
    const next = slack.messages.find((m) => m.text === `${incident} next`);
    expect(next?.thread_ts).toBe(root?.ts);
  });

  it('when the look-back fails (e.g. no history scope) it posts again rather than lose the message', async () => {
    const dying = dyingAfterPost(notifier);
    await expect(new IncidentThreads(client, dying, '{t}').say('inc-noscope', { text: 'noscope step' }, { step: 's' })).rejects.toThrow();
    slack.injectFaults({ kind: 'platform', error: 'missing_scope' });
    await new IncidentThreads(client, notifier, '{t}').say('inc-noscope', { text: 'noscope step' }, { step: 's' });
    expect(slack.messages.filter((m) => m.text === 'noscope step')).toHaveLength(2);
  });

  it('with a root given, replies there and never opens a thread, also after the incident closed', async () => {
    const threads = new IncidentThreads(client, notifier, '{t}');
    const root = (await threads.say('inc-closing', { text: 'closing root' }))!;
    // Another job closes the incident between a caller's look at the thread and its post.
    await threads.close('inc-closing');
    await threads.say('inc-closing', { text: 'late answer' }, { step: 'click:1', root });
    const late = slack.messages.find((m) => m.text === 'late answer');
    expect(late?.thread_ts).toBe(root.ts);
    expect(await threads.get('inc-closing')).toBeUndefined();
    await threads.say('inc-closing', { text: 'late answer' }, { step: 'click:1', root });
    expect(slack.messages.filter((m) => m.text === 'late answer')).toHaveLength(1);
  });

  it('a step said before is not posted again, and no look-back is made for it', async () => {
    const threads = new IncidentThreads(client, notifier, '{t}');
    await threads.say('inc-once', { text: 'once' }, { step: 'x' });
    const calls = slack.calls.length;
    await threads.say('inc-once', { text: 'once' }, { step: 'x' });
    expect(slack.calls.length).toBe(calls);
    expect(slack.messages.filter((m) => m.text === 'once')).toHaveLength(1);
  });
  it('jobs about one new incident at once open one thread; the others reply in it', async () => {
    const jobs = Array.from({ length: 4 }, (_, i) => new IncidentThreads(client, notifier, '{t}').say('inc-race', { text: `race ${i}` }, { step: `s${i}` }));
    const roots = await Promise.all(jobs);
    const posted = slack.messages.filter((m) => m.text.startsWith('race '));
    expect(posted).toHaveLength(4);
    expect(posted.filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(new Set(roots.map((r) => r?.ts)).size).toBe(1);
    expect(posted.filter((m) => m.thread_ts).every((m) => m.thread_ts === roots[0]?.ts)).toBe(true);
    // The opener's lease is freed with the record, not left to expire.
    expect(await client.exists('{t}:thread:inc-race:lock')).toBe(0);
  });

  it('sayUnless posts nothing and records nothing while its key exists', async () => {
    const threads = new IncidentThreads(client, notifier, '{t}');
    await client.set('{t}:resolved:inc-unless', '1');
    expect(await threads.sayUnless('{t}:resolved:inc-unless', 'inc-unless', { text: 'unless' }, { step: 'f' })).toEqual({ skipped: true });
    expect(slack.messages.filter((m) => m.text === 'unless')).toHaveLength(0);
    expect(await threads.hasSaid('inc-unless', 'f')).toBe(false);
    await client.del('{t}:resolved:inc-unless');
    const said = await threads.sayUnless('{t}:resolved:inc-unless', 'inc-unless', { text: 'unless' }, { step: 'f' });
    expect(said.skipped).toBe(false);
    expect(said.root?.ts).toBe(slack.messages.find((m) => m.text === 'unless')?.ts);
  });

  it('a stored thread ref that does not fit its schema is replaced by a new thread', async () => {
    await client.set('{t}:thread:inc-bad:ref', '{"channel":""}');
    const root = await new IncidentThreads(client, notifier, '{t}').say('inc-bad', { text: 'after bad ref' }, { step: 'a' });
    const msg = slack.messages.find((m) => m.text === 'after bad ref');
    expect(msg?.thread_ts).toBeUndefined();
    expect(root?.ts).toBe(msg?.ts);
    expect(JSON.parse((await client.get('{t}:thread:inc-bad:ref'))!)).toEqual(root);
  });
});
