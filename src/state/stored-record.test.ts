import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isUnreadable, parseJsonRecord, parseRecord } from './stored-record.js';

const schema = z.object({ id: z.number().int(), name: z.string(), tags: z.array(z.string()).default([]) });

describe('parseJsonRecord', () => {
  it.each([
    ['no record', null, undefined],
    ['a record that fits', '{"id":1,"name":"a"}', { id: 1, name: 'a', tags: [] }],
  ])('%s', (_what, raw, expected) => {
    expect(parseJsonRecord(schema, raw, 'thing 1')).toEqual(expected);
  });

  it.each([
    ['not JSON', '{"id":1,', 'not JSON'],
    ['JSON of another type', '[1,2]', '(record): Invalid input: expected object, received array'],
    ['a field of another type', '{"id":"1","name":"a"}', 'id: Invalid input: expected number, received string'],
    [
      'two fields wrong, both named',
      '{"id":1.5}',
      'id: Invalid input: expected int, received number; name: Invalid input: expected string, received undefined',
    ],
  ])('%s -> an UnreadableRecord naming the problem', (_what, raw, problem) => {
    const read = parseJsonRecord(schema, raw, 'thing 1');
    expect(isUnreadable(read)).toBe(true);
    expect(read).toEqual({ unreadable: true, what: 'thing 1', problem });
  });

  it('never quotes the stored text in the problem (it may hold secrets or remote text)', () => {
    const read = parseJsonRecord(schema, JSON.stringify({ id: 'sk-live-SECRET', name: 7 }), 'thing 2');
    expect(isUnreadable(read) && read.problem).toMatch(/^id: .*; name: /);
    expect(JSON.stringify(read)).not.toContain('SECRET');
    expect(JSON.stringify(parseJsonRecord(schema, '{"id": sk-live-SECRET', 'thing 3'))).not.toContain('SECRET');
  });

  it('names at most three issues, then how many more', () => {
    const wide = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
    const read = parseRecord(wide, {}, 'wide');
    expect(isUnreadable(read) && read.problem).toMatch(/^a: .*; b: .*; c: [^;]* \(\+2 more\)$/);
  });
});
