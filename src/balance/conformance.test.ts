/**
 * The suite every balancing algorithm passes, whatever it does: answers are eligible members
 * (in range), distinct, as many as asked for when there are enough, none from an empty pool,
 * and the same inputs (members, random source, clock, key, figures) give the same answers.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../config/zone-types.js';
import { algorithms } from './registry.js';
import { createPoolState } from './state.js';
import { candidates, pickOnce, seededRandom, testContext, type TestContext } from './testing.js';
import type { Candidate, PoolState } from './types.js';

const POOLS: Record<string, Candidate[]> = {
  'one member': candidates('solo:3'),
  'two equal': candidates('a b'),
  'weights 5,1,1': candidates('a:5 b:1 c:1'),
  'ten mixed weights': candidates('a:1 b:2 c:3 d:4 e:5 f:10 g:1 h:1 i:7 j:100'),
  '100 members': candidates(100),
  '1,000 members': candidates(1000),
};

/** Vary what a context can vary between picks, repeatably. */
function vary(ctx: TestContext, step: number, rng: () => number, n: number): void {
  ctx.now = step * 137;
  ctx.clientKey = Uint8Array.of(203, 0, Math.floor(rng() * 256), Math.floor(rng() * 256));
  ctx.figures.clear();
  for (let i = 0; i < Math.min(n, 20); i++) ctx.figures.set(Math.floor(rng() * n), { connections: Math.floor(rng() * 50), at: ctx.now });
}

function run(name: string, members: Candidate[], count: number, picks: number, seed: number, state?: PoolState): number[][] {
  const bound = algorithms[name as keyof typeof algorithms].bind(members);
  const poolState = state ?? createPoolState(members.length);
  const ctx = testContext({ seed, count });
  const rng = seededRandom(seed + 1);
  const answers: number[][] = [];
  for (let step = 0; step < picks; step++) {
    vary(ctx, step, rng, members.length);
    answers.push(pickOnce(bound, ctx, poolState));
  }
  return answers;
}

it('the registry has every algorithm a zone can name, under that name', () => {
  expect(Object.keys(algorithms).sort()).toEqual([...ALGORITHMS].sort());
  for (const name of ALGORITHMS) expect(algorithms[name].name).toBe(name);
});

describe.each(ALGORITHMS.map((name) => [name]))('%s', (name) => {
  const algorithm = algorithms[name];

  it('returns nothing from an empty pool', () => {
    const bound = algorithm.bind([]);
    for (const count of [0, 1, 3]) {
      const out = new Int32Array(4).fill(-1);
      expect(bound.pick(testContext({ count }), createPoolState(0), out)).toBe(0);
      expect(Array.from(out)).toEqual([-1, -1, -1, -1]);
    }
    expect(bound.explain?.(testContext(), createPoolState(0), [])).toMatch(/no eligible members/);
  });

  it('returns the only member, once, however many answers are asked for', () => {
    for (const count of [1, 2, 8]) expect(run(name, POOLS['one member'], count, 20, 7)).toEqual(Array(20).fill([0]));
  });

  it('returns nothing when asked for no answers', () => {
    expect(run(name, POOLS['weights 5,1,1'], 0, 5, 7)).toEqual(Array(5).fill([]));
  });

  describe.each(Object.keys(POOLS).map((pool) => [pool]))('%s', (pool) => {
    const members = POOLS[pool];
    const n = members.length;
    const counts = [...new Set([1, 2, 3, n - 1, n, n + 2].filter((c) => c >= 1 && c <= 12))];

    it.each(counts.map((c) => [c]))('answers: %i gives min(answers, members) distinct eligible members', (count) => {
      for (const answer of run(name, members, count, n >= 1000 ? 60 : 200, 11)) {
        expect(answer).toHaveLength(Math.min(count, n));
        expect(new Set(answer).size).toBe(answer.length);
        for (const p of answer) expect(p >= 0 && p < n && Number.isInteger(p)).toBe(true);
      }
    });

    it('gives the same answers from the same inputs', () => {
      const picks = n >= 1000 ? 50 : 300;
      for (const count of [1, 3]) expect(run(name, members, count, picks, 5)).toEqual(run(name, members, count, picks, 5));
    });
  });

  it('writes no further than the output buffer', () => {
    const members = POOLS['ten mixed weights'];
    const bound = algorithm.bind(members);
    const out = new Int32Array(4).fill(-1);
    const view = out.subarray(0, 2);
    expect(bound.pick(testContext({ count: 5 }), createPoolState(10), view)).toBe(2);
    expect(Array.from(out.subarray(2))).toEqual([-1, -1]);
  });

  it('only picks from the eligible members it was bound to (pool indexes are not positions)', () => {
    // A 9-member pool of which members 1, 4 and 7 are eligible; state is sized for the whole pool.
    const pool = candidates('p0 p1 p2 p3 p4 p5 p6 p7 p8');
    const eligible = [pool[1], pool[4], pool[7]];
    const state = createPoolState(pool.length);
    for (const answer of run(name, eligible, 2, 100, 3, state)) {
      expect(answer).toHaveLength(2);
      for (const p of answer) expect(p >= 0 && p < 3).toBe(true);
    }
    for (const x of state.handedOut) expect(Number.isFinite(x)).toBe(true);
    expect([0, 2, 3, 5, 6, 8].map((i) => state.handedOut[i])).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('copes with a state made for fewer members than the pool has', () => {
    for (const answer of run(name, POOLS['ten mixed weights'], 2, 50, 3, createPoolState(2))) expect(answer).toHaveLength(2);
  });

  it('explains a pick in one line naming the first member', () => {
    const members = POOLS['ten mixed weights'];
    const bound = algorithm.bind(members);
    const state = createPoolState(members.length);
    const ctx = testContext({ count: 2, clientKey: Uint8Array.of(198, 51, 100, 0) });
    const picked = pickOnce(bound, ctx, state);
    const text = bound.explain?.(ctx, state, picked) ?? '';
    expect(text.startsWith(`${name}: `)).toBe(true);
    expect(text).toContain(members[picked[0]].name);
    expect(text).not.toContain('\n');
  });
});
