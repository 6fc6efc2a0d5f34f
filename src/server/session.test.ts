import { describe, expect, it } from 'vitest';
import { createSessionCodec } from './session.js';

const HOUR = 3_600_000;

describe('session cookie values', () => {
  const codec = createSessionCodec(['token-aaaaaaaaaaaaaaaa'], HOUR);
  const now = 1_800_000_000_000;

  it('verifies what it issued until it expires', () => {
    const value = codec.issue(now);
    expect(value).toMatch(/^v1\.\d+\.[\w-]{43}$/);
    expect(codec.verify(value, now + HOUR - 1)).toBe(true);
    expect(codec.verify(value, now + HOUR)).toBe(false);
  });

  it.each([
    ['a changed expiry', (v: string) => v.replace(/^v1\.\d+/, `v1.${now + 100 * HOUR}`)],
    ['a changed signature', (v: string) => `${v.slice(0, -1)}${v.endsWith('A') ? 'B' : 'A'}`],
    ['no signature', (v: string) => v.split('.').slice(0, 2).join('.')],
    ['garbage', () => 'x'.repeat(5000)],
    ['an empty value', () => ''],
  ])('refuses %s', (_name, tamper) => {
    expect(codec.verify(tamper(codec.issue(now)), now)).toBe(false);
  });

  it('a rotated token ends the sessions signed with the old one; the same set in any order keeps them', () => {
    const value = codec.issue(now);
    expect(createSessionCodec(['token-bbbbbbbbbbbbbbbb'], HOUR).verify(value, now)).toBe(false);
    const two = createSessionCodec(['b-token-bbbbbbbbbbbbbbbb', 'a-token-aaaaaaaaaaaaaaaa'], HOUR);
    expect(createSessionCodec(['a-token-aaaaaaaaaaaaaaaa', 'b-token-bbbbbbbbbbbbbbbb'], HOUR).verify(two.issue(now), now)).toBe(true);
  });
});
