import { describe, expect, it } from 'vitest';
import { checkAuthorization } from './auth.js';

const options = { bearerTokens: ['old-token-aaaaaaaaaaaa', 'new-token-bbbbbbbbbbbb'], basic: [{ username: 'am', password: 'hunter2hunter2' }] };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('authorization header check', () => {
  it.each([
    ['Bearer old-token-aaaaaaaaaaaa', true],
    ['Bearer new-token-bbbbbbbbbbbb', true],
    ['bearer new-token-bbbbbbbbbbbb', true],
    ['Bearer new-token-bbbbbbbbbbb', false],
    ['Bearer ', false],
    ['new-token-bbbbbbbbbbbb', false],
    [basic('am', 'hunter2hunter2'), true],
    [basic('am', 'wrong'), false],
    [basic('other', 'hunter2hunter2'), false],
    ['Digest abc', false],
    [undefined, false],
  ] as const)('%s -> %s', (header, ok) => {
    expect(checkAuthorization(header, options)).toBe(ok);
  });
});
