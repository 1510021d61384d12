import { describe, expect, it } from 'vitest';
import { fmix32, hashString, murmur3 } from './hash.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('murmur3 (x86, 32-bit) matches the published test vectors', () => {
  it.each([
    ['empty, seed 0', bytes(), 0, 0],
    ['empty, seed 1', bytes(), 1, 0x514e28b7],
    ['empty, seed 0xffffffff', bytes(), 0xffffffff, 0x81f16f39],
    ['ff ff ff ff', bytes(0xff, 0xff, 0xff, 0xff), 0, 0x76293b50],
    ['21 43 65 87', bytes(0x21, 0x43, 0x65, 0x87), 0, 0xf55b516b],
    ['21 43 65 87, seeded', bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
    ['21 43 65 (3-byte tail)', bytes(0x21, 0x43, 0x65), 0, 0x7e4a8634],
  ])('%s', (_name, input, seed, expected) => {
    expect(murmur3(input, seed)).toBe(expected);
  });

  it.each([
    ['Turn me into a hash', 1234, 4138100590],
    ['Life, the Universe, and Everything.', 42, 458076548],
  ])('hashString(%j, %i)', (text, seed, expected) => {
    expect(hashString(text, seed)).toBe(expected);
  });

  it('hashString hashes the UTF-8 bytes of a name', () => {
    expect(hashString('🌵fra-1', 7)).toBe(murmur3(bytes(0xf0, 0x9f, 0x8c, 0xb5, 0x66, 0x72, 0x61, 0x2d, 0x31), 7));
  });
});

it('always returns an unsigned 32-bit integer', () => {
  for (const x of [0, 1, -1, 0x7fffffff, 0x80000000, 12345678]) {
    const h = fmix32(x);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
  }
  expect(murmur3(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9))).toBeGreaterThanOrEqual(0);
});
