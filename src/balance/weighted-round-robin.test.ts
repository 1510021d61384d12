import { describe, expect, it } from 'vitest';
import { MAX_CYCLE, MIN_CYCLE, cycleCap, cycleWeights, directSchedule, kineticSchedule, smoothSchedule } from './smooth-schedule.js';
import { createPoolState } from './state.js';
import { candidates, nameSequence, pickOnce, seededRandom, shares, testContext } from './testing.js';
import { weightedRoundRobin } from './weighted-round-robin.js';

function sequence(spec: string, picks: number, count = 1): string {
  const members = candidates(spec);
  const bound = weightedRoundRobin.bind(members);
  const state = createPoolState(members.length);
  const ctx = testContext({ count });
  const got: string[] = [];
  for (let i = 0; i < picks; i++) got.push(pickOnce(bound, ctx, state).map((p) => members[p].name).join(''));
  return got.join(' ');
}

describe('weighted-round-robin sequences (nginx smooth WRR order)', () => {
  it.each([
    ['a:5 b:1 c:1', 7, 'a a b a c a a'],
    ['a:5 b:1 c:1', 14, 'a a b a c a a a a b a c a a'],
    ['a:3 b:3 c:1', 7, 'a b c a b a b'],
    ['a:1 b:1 c:1', 6, 'a b c a b c'],
    ['a:2 b:1', 6, 'a b a a b a'],
    ['a:4 b:2', 6, 'a b a a b a'], // gcd 2: the same cycle as 2,1
    ['a:1 b:2 c:3', 6, 'c b a c b c'],
    ['solo:9', 3, 'solo solo solo'],
  ])('%s → %s', (spec, picks, expected) => {
    expect(sequence(spec, picks)).toBe(expected);
  });

  it.each([
    [2, 'ab ab ba ac ca ab ab'],
    [3, 'abc abc bac acb cab abc abc'],
  ])('5,1,1 with answers: %i → %s', (count, expected) => {
    expect(sequence('a:5 b:1 c:1', 7, count)).toBe(expected);
  });
});

describe('weighted-round-robin proportions', () => {
  it.each([['a:5 b:1 c:1'], ['a:1 b:2 c:3 d:4 e:10'], ['a:100 b:1']])('%s: shares within ±0.1% over 100,000 picks', (spec) => {
    const members = candidates(spec);
    const total = members.reduce((s, m) => s + m.weight, 0);
    const got = shares(weightedRoundRobin.bind(members), members, testContext(), createPoolState(members.length), 100_000);
    for (const m of members) expect(Math.abs(got[m.name] - m.weight / total)).toBeLessThan(0.001);
  });

  it('never lets a member fall more than one answer behind its share (smoothness)', () => {
    const members = candidates('a:7 b:3 c:2 d:1');
    const seq = nameSequence(weightedRoundRobin.bind(members), members, testContext(), createPoolState(4), 13 * 5);
    const seen: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    seq.forEach((name, t) => {
      seen[name]++;
      for (const m of members) expect(Math.abs(seen[m.name] - ((t + 1) * m.weight) / 13)).toBeLessThan(1.5);
    });
  });
});

describe('the precomputed cycle', () => {
  it('the kinetic tree gives exactly the schedule of the direct rule', () => {
    const rng = seededRandom(42);
    for (const [n, maxWeight] of [[2, 5], [3, 50], [40, 20], [200, 30], [300, 3]]) {
      const w = Int32Array.from({ length: n }, () => 1 + Math.floor(rng() * maxWeight));
      expect(Array.from(kineticSchedule(w))).toEqual(Array.from(directSchedule(w)));
    }
  });

  it('holds every member exactly weight times', () => {
    const rng = seededRandom(9);
    const w = Int32Array.from({ length: 1000 }, () => 1 + Math.floor(rng() * 20));
    const schedule = smoothSchedule(w);
    const seen = new Int32Array(1000);
    for (const m of schedule) seen[m]++;
    expect(Array.from(seen)).toEqual(Array.from(w));
  });

  it('reduces weights by their gcd and makes non-integers integers', () => {
    expect(Array.from(cycleWeights([4, 2, 6]))).toEqual([2, 1, 3]);
    expect(Array.from(cycleWeights([2_000_000, 1_000_000]))).toEqual([2, 1]);
    expect(Array.from(cycleWeights([0.5, 1.5]))).toEqual([1, 3]);
    expect(Array.from(cycleWeights([0.25, 2, 1 / 3]))).toHaveLength(3); // no exact ratio: scaled
  });

  it('scales weights down proportionally when the cycle would pass the cap', () => {
    const weights = [3_000_001, 1_000_000, 1];
    const scaled = cycleWeights(weights);
    const sum = scaled.reduce((s, w) => s + w, 0);
    expect(sum).toBeLessThanOrEqual(MAX_CYCLE);
    expect(sum).toBeGreaterThan(MAX_CYCLE * 0.99);
    expect(Math.abs(scaled[0] / sum - 0.75)).toBeLessThan(1e-5);
    expect(scaled[2]).toBe(1); // too light to show, still present
    expect(sequence('a:3000001 b:1000000 c:1', 4)).toBe('a a b a');
  });

  it('caps the cycle lower for large pools so bind stays fast', () => {
    expect(cycleCap(3)).toBe(MAX_CYCLE);
    expect(cycleCap(1000)).toBe(MIN_CYCLE);
    const weights = Array.from({ length: 1000 }, (_, i) => 1 + i * 1000);
    expect(cycleWeights(weights).reduce((s, w) => s + w, 0)).toBeLessThanOrEqual(MIN_CYCLE);
  });
});

describe('weighted-round-robin answers: N on a skewed pool', () => {
  it('fills answers from pool order once the capped walk finds no new member', () => {
    const members = candidates('a:1000 b:1 c:1 d:1');
    const bound = weightedRoundRobin.bind(members);
    const state = createPoolState(4);
    const ctx = testContext({ count: 3 });
    const first = pickOnce(bound, ctx, state);
    expect(first[0]).toBe(0);
    expect(first).toEqual([0, 1, 2]);
  });

  it('explains the schedule position', () => {
    const members = candidates('a:5 b:1 c:1');
    const bound = weightedRoundRobin.bind(members);
    const state = createPoolState(3);
    const ctx = testContext();
    for (let i = 0; i < 2; i++) pickOnce(bound, ctx, state);
    const picked = pickOnce(bound, ctx, state);
    expect(bound.explain?.(ctx, state, picked)).toBe('weighted-round-robin: schedule position 3 of 7 → b (weight 1)');
  });
});
