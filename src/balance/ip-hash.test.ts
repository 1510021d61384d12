import { describe, expect, it } from 'vitest';
import { MIN_TABLE_SIZE, formatKey, ipHash, tableSize } from './ip-hash.js';
import { createPoolState } from './state.js';
import { candidates, pickOnce, seededRandom, testContext } from './testing.js';
import type { Candidate } from './types.js';

/** 100,000 random IPv4 /24 keys, the same every run. */
function randomKeys(count = 100_000, seed = 17): Uint8Array[] {
  const rng = seededRandom(seed);
  return Array.from({ length: count }, () => Uint8Array.of(rng() * 256, rng() * 256, rng() * 256, 0));
}

/** The member names each key maps to ("a,b" for two answers). */
function mapping(members: readonly Candidate[], keys: readonly Uint8Array[], count = 1): string[] {
  const bound = ipHash.bind(members);
  const ctx = testContext({ count });
  const state = createPoolState(members.length);
  const out = new Int32Array(count);
  return keys.map((key) => {
    ctx.clientKey = key;
    const written = bound.pick(ctx, state, out);
    let names = members[out[0]].name;
    for (let j = 1; j < written; j++) names += `,${members[out[j]].name}`;
    return names;
  });
}

/** Shuffle a copy and renumber `index` as a different pool definition order would. */
function reordered(members: readonly Candidate[], seed: number): Candidate[] {
  const rng = seededRandom(seed);
  const copy = [...members];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.map((m, index) => ({ ...m, index }));
}

const TEN = candidates('iad-1 iad-2 fra-1 fra-2 sin-1 sin-2 syd-1 gru-1 nrt-1 lhr-1');

describe('ip-hash', () => {
  it('maps the same key to the same member every time', () => {
    const bound = ipHash.bind(TEN);
    const ctx = testContext({ clientKey: Uint8Array.of(203, 0, 113, 0), seed: 1 });
    const first = pickOnce(bound, ctx, createPoolState(10));
    for (let i = 0; i < 50; i++) {
      ctx.now += 1000;
      expect(pickOnce(bound, ctx, createPoolState(10))).toEqual(first);
    }
  });

  it('gives the same mapping on separately bound instances whatever the member order', () => {
    const keys = randomKeys(20_000);
    for (const count of [1, 3]) expect(mapping(reordered(TEN, 3), keys, count)).toEqual(mapping(TEN, keys, count));
  });

  it('pins the mapping itself: a change here moves every client of every fleet', () => {
    const keys = [
      Uint8Array.of(203, 0, 113, 0),
      Uint8Array.of(198, 51, 100, 0),
      Uint8Array.of(192, 0, 2, 0),
      Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ];
    expect(mapping(TEN, keys, 3)).toEqual(['sin-2,fra-2,iad-1', 'gru-1,sin-2,fra-1', 'sin-2,iad-2,fra-2', 'nrt-1,gru-1,fra-1']);
  });

  it('spreads keys evenly over equal members (±1.5%)', () => {
    const names = mapping(TEN, randomKeys());
    for (const m of TEN) expect(Math.abs(names.filter((n) => n === m.name).length / names.length - 0.1)).toBeLessThan(0.015);
  });

  it('honours weights (±1.5%)', () => {
    const names = mapping(candidates('a:2 b:1 c:1'), randomKeys());
    const share = (name: string) => names.filter((n) => n === name).length / names.length;
    expect(Math.abs(share('a') - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(share('b') - 0.25)).toBeLessThan(0.015);
  });

  it('removing one of 10 members moves only the keys that were on it', () => {
    const keys = randomKeys();
    const before = mapping(TEN, keys);
    const without = TEN.filter((m) => m.name !== 'sin-1');
    const after = mapping(without, keys);
    let moved = 0;
    let movedBetweenSurvivors = 0;
    before.forEach((name, i) => {
      if (name === after[i]) return;
      moved++;
      if (name !== 'sin-1') movedBetweenSurvivors++;
    });
    expect(moved / keys.length).toBeLessThanOrEqual(0.1 + 0.03);
    expect(movedBetweenSurvivors / keys.length).toBeLessThan(0.01);
  });

  it('adding an 11th member moves about 1/11 of keys, nearly all to it', () => {
    const keys = randomKeys();
    const before = mapping(TEN, keys);
    const after = mapping([...TEN, { ...TEN[0], name: 'ams-1', index: 10 }], keys);
    let moved = 0;
    let movedElsewhere = 0;
    before.forEach((name, i) => {
      if (name === after[i]) return;
      moved++;
      if (after[i] !== 'ams-1') movedElsewhere++;
    });
    expect(moved / keys.length).toBeLessThanOrEqual(1 / 11 + 0.03);
    expect(moved / keys.length).toBeGreaterThan(1 / 11 - 0.03);
    expect(movedElsewhere / keys.length).toBeLessThan(0.01);
  });

  it('costs O(1) per query for 1,000 members: no load look-ups, no random numbers', () => {
    const members = candidates(1000);
    const bound = ipHash.bind(members);
    let randoms = 0;
    const ctx = testContext({ count: 2, random: () => (randoms++, 0.5) });
    for (const key of randomKeys(1000)) {
      ctx.clientKey = key;
      expect(pickOnce(bound, ctx, createPoolState(1000))).toHaveLength(2);
    }
    expect(ctx.loadCalls + randoms).toBe(0);
  });

  it('maps every query without a key to one member', () => {
    const names = mapping(TEN, [new Uint8Array(0), new Uint8Array(0)]);
    expect(names[0]).toBe(names[1]);
  });

  it('explains key, slot and member', () => {
    const bound = ipHash.bind(TEN);
    const ctx = testContext({ clientKey: Uint8Array.of(203, 0, 113, 0) });
    const picked = pickOnce(bound, ctx, createPoolState(10));
    expect(bound.explain?.(ctx, createPoolState(10), picked)).toMatch(
      new RegExp(`^ip-hash: key 203\\.0\\.113\\.0 → slot \\d+ of 65537 → ${TEN[picked[0]].name}$`),
    );
  });
});

describe('the Maglev table size', () => {
  it.each([
    [1, 65537],
    [655, 65537],
    [656, 131101],
    [1000, 131101],
    [10_000, 1048583],
    [1_000_000, 4194319],
  ])('%i members → %i slots (a prime ≥ 100 per member, up to the largest step)', (n, size) => {
    expect(tableSize(n)).toBe(size);
  });

  it('is sized from the pool definition, so members failing health checks keep the mapping', () => {
    const pool = candidates(1000);
    const eligible = pool.filter((m) => m.index % 3 !== 0 || m.index === 999); // 667 of 1000 left
    const ctx = testContext({ clientKey: Uint8Array.of(198, 51, 100, 0) });
    const bound = ipHash.bind(eligible);
    expect(bound.explain?.(ctx, createPoolState(1000), pickOnce(bound, ctx, createPoolState(1000)))).toContain('of 131101 →');
    expect(tableSize(3)).toBe(MIN_TABLE_SIZE);
  });
});

describe('formatKey', () => {
  it.each([
    [[203, 0, 113, 0], '203.0.113.0'],
    [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], '2001:db8::'],
    [[0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], '2001:db8:1::1'],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0x20, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], '2001:0:1::1:0:0'],
    [[1, 2, 3], '010203'],
    [[], '(empty)'],
  ])('%j → %s', (bytes, text) => {
    expect(formatKey(Uint8Array.from(bytes))).toBe(text);
  });
});
