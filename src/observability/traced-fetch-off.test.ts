import { describe, expect, it } from 'vitest';
import { createTracedFetch } from './traced-fetch.js';
import { withClientSpan } from './tracing.js';

// No tracer provider and no propagator registered in this file (each test file has its own globals).
describe('traced fetch with tracing off', () => {
  it('hands the request to the fetch underneath as it is: no span, no traceparent, no copies', async () => {
    const calls: [unknown, RequestInit | undefined][] = [];
    const traced = createTracedFetch({
      fetch: async (input, init) => {
        calls.push([input, init]);
        return new Response('{}');
      },
    });
    const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    await withClientSpan('slack.chat.postMessage', {}, () => traced('https://slack.example/api/chat.postMessage', init));
    await traced('https://user:secret@example.com/x');
    expect(calls).toEqual([
      ['https://slack.example/api/chat.postMessage', init],
      ['https://user:secret@example.com/x', undefined],
    ]);
    expect(calls[0]![1]).toBe(init);
  });
});
