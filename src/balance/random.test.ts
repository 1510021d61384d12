import { describe, expect, it } from 'vitest';
import { aliasTable, random, weightedRandom } from './random.js';
import { createPoolState } from './state.js';
import { candidates, pickOnce, seededRandom, shares, testContext } from './testing.js';
import type { Algorithm } from './types.js';

const TOLERANCE = 0.015; // absolute, over 100,000 picks

function expectShares(algorithm: Algorithm, spec: string, expected: Record<string, number>, seed = 1): void {
  const members = candidates(spec);
  const got = shares(algorithm.bind(members), members, testContext({ seed }), createPoolState(members.length), 100_000);
  for (const [name, share] of Object.entries(expected)) expect(Math.abs(got[name] - share)).toBeLessThan(TOLERANCE);
}

/** How often each ordered answer (names joined) comes out over `times` picks. */
function answerShares(algorithm: Algorithm, spec: string, count: number, times: number): Map<string, number> {
  const members = candidates(spec);
  const bound = algorithm.bind(members);
  const ctx = testContext({ count, seed: 2 });
  const state = createPoolState(members.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const key = pickOnce(bound, ctx, state).map((p) => members[p].name).join('');
    seen.set(key, (seen.get(key) ?? 0) + 1 / times);
  }
  return seen;
}

describe('random', () => {
  it('is uniform over members (±1.5% over 100,000 picks)', () => {
    expectShares(random, 'a b c d', { a: 0.25, b: 0.25, c: 0.25, d: 0.25 });
    expectShares(random, 'a:9 b:1', { a: 0.5, b: 0.5 }, 7); // ignores weights
  });

  it('answers: 2 of 3 gives each of the 6 ordered pairs equally often', () => {
    const seen = answerShares(random, 'a b c', 2, 100_000);
    expect([...seen.keys()].sort()).toEqual(['ab', 'ac', 'ba', 'bc', 'ca', 'cb']);
    for (const share of seen.values()) expect(Math.abs(share - 1 / 6)).toBeLessThan(TOLERANCE);
  });

  it('uses 2N − 1 random numbers for N answers, whatever the pool', () => {
    for (const [n, count] of [[3, 1], [3, 3], [1000, 4]]) {
      let calls = 0;
      const source = seededRandom(1);
      const ctx = testContext({ count, random: () => (calls++, source()) });
      pickOnce(random.bind(candidates(n)), ctx, createPoolState(n));
      expect(calls).toBe(2 * count - 1);
    }
  });

  it('gives the same sequence from the same seed', () => {
    const members = candidates(10);
    const run = () => {
      const bound = random.bind(members);
      const ctx = testContext({ count: 3, seed: 99 });
      return Array.from({ length: 20 }, () => pickOnce(bound, ctx, createPoolState(10)));
    };
    expect(run()).toEqual(run());
  });
});

describe('weighted-random', () => {
  it.each([
    ['a:5 b:1 c:1', { a: 5 / 7, b: 1 / 7, c: 1 / 7 }],
    ['a:1 b:2 c:3 d:4', { a: 0.1, b: 0.2, c: 0.3, d: 0.4 }],
    ['a:1 b:1', { a: 0.5, b: 0.5 }],
    ['a:0.25 b:0.75', { a: 0.25, b: 0.75 }],
  ])('%s: shares by weight (±1.5% over 100,000 picks)', (spec, expected) => {
    expectShares(weightedRandom, spec, expected);
  });

  it('answers: 2 draws the second answer by weight among the rest', () => {
    // P(ab) = 0.8 × 1/2 = 0.4, P(ba) = 0.1 × 8/9 ≈ 0.089, P(bc) = 0.1 × 1/9 ≈ 0.011
    const seen = answerShares(weightedRandom, 'a:8 b:1 c:1', 2, 100_000);
    expect(Math.abs((seen.get('ab') ?? 0) - 0.4)).toBeLessThan(TOLERANCE);
    expect(Math.abs((seen.get('ba') ?? 0) - 0.8 / 9)).toBeLessThan(TOLERANCE);
    expect(Math.abs((seen.get('bc') ?? 0) - 0.1 / 9)).toBeLessThan(0.005);
  });

  it('still finds distinct light members next to a dominant one', () => {
    const members = candidates('big:1000000 x:1 y:1');
    const bound = weightedRandom.bind(members);
    const ctx = testContext({ count: 3 });
    for (let i = 0; i < 100; i++) expect(new Set(pickOnce(bound, ctx, createPoolState(3))).size).toBe(3);
  });

  it('builds an alias table that reproduces the weights exactly', () => {
    const weights = [1, 2, 3, 4, 10, 0.5];
    const total = weights.reduce((s, w) => s + w, 0);
    const { prob, alias } = aliasTable(weights);
    const mass = new Float64Array(weights.length);
    prob.forEach((p, i) => {
      expect(p >= 0 && p <= 1).toBe(true);
      mass[i] += p / weights.length;
      mass[alias[i]] += (1 - p) / weights.length;
    });
    weights.forEach((w, i) => expect(mass[i]).toBeCloseTo(w / total, 12));
  });

  it('explains the chance', () => {
    const members = candidates('a:1 b:3');
    const bound = weightedRandom.bind(members);
    expect(bound.explain?.(testContext(), createPoolState(2), [1])).toBe('weighted-random: b drawn by weight 3 of 4 (75.0% chance)');
  });
});
