import { describe, expect, it } from 'vitest';
import { checkJsonCondition, parseJsonPath } from './json-path.js';

describe('JSON path subset', () => {
  it.each([
    ['$', []],
    ['$.status', ['status']],
    ['$.checks[0].db', ['checks', 0, 'db']],
    ['$["content-type"][2]', ['content-type', 2]],
    ["$['a.b'].c", ['a.b', 'c']],
  ])('parses %s', (path, parts) => expect(parseJsonPath(path)).toEqual(parts));

  it.each(['status', '$.a[*]', '$..a', '$.a[?(@.b)]', '$.a[-1]'])('rejects %s', (path) => expect(() => parseJsonPath(path)).toThrow());

  const doc = { status: 'ok', version: 3, ready: true, nothing: null, items: [{ name: 'db', up: false }] };
  it.each([
    [{ path: '$.status', equals: 'ok' }, undefined],
    [{ path: '$.status', equals: 'fine' }, '$.status is "ok", expected "fine"'],
    [{ path: '$.version', equals: 3 }, undefined],
    [{ path: '$.version', equals: '3' }, '$.version is 3, expected "3"'],
    [{ path: '$.ready', equals: true }, undefined],
    [{ path: '$.nothing', equals: null }, undefined],
    [{ path: '$.items[0].up', equals: true }, '$.items[0].up is false, expected true'],
    [{ path: '$.items[1]' }, '$.items[1] not found'],
    [{ path: '$.items[0].name', matches: '^d' }, undefined],
    [{ path: '$.version', matches: '^4' }, '$.version is 3, does not match /^4/'],
    [{ path: '$.error', exists: false }, undefined],
    [{ path: '$.status', exists: false }, '$.status exists'],
    [{ path: '$.status.length' }, '$.status.length not found'],
  ])('%j -> %s', (condition, problem) => expect(checkJsonCondition(doc, condition)).toBe(problem));
});
