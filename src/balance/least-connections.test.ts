import { describe, expect, it } from 'vitest';
import {
  EXACT_SCAN_LIMIT,
  SAMPLED_CHOICES,
  handedOutNow,
  leastConnections,
  weightedLeastConnections,
} from './least-connections.js';
import { createPoolState } from './state.js';
import { candidates, nameSequence, pickOnce, testContext, type TestContext } from './testing.js';
import type { Candidate } from './types.js';

function withFigures(ctx: TestContext, connections: Record<number, number>): TestContext {
  ctx.figures.clear();
  for (const [index, c] of Object.entries(connections)) ctx.figures.set(Number(index), { connections: c, at: ctx.now });
  return ctx;
}

const names = (members: readonly Candidate[], picked: number[]) => picked.map((p) => members[p].name).join(' ');

describe('least-connections', () => {
  const members = candidates('a b c');

  it.each([
    [{ 0: 10, 1: 3, 2: 7 }, 1, 'b'],
    [{ 0: 10, 1: 3, 2: 7 }, 2, 'b c'],
    [{ 0: 10, 1: 3, 2: 7 }, 3, 'b c a'],
    [{ 0: 4, 1: 4, 2: 9 }, 1, 'a'], // tie: lowest position
    [{ 2: 1 }, 2, 'a b'], // no figure counts as 0
  ])('figures %j, answers: %i → %s', (figures, count, expected) => {
    const ctx = withFigures(testContext({ count }), figures);
    expect(names(members, pickOnce(leastConnections.bind(members), ctx, createPoolState(3)))).toBe(expected);
  });

  it('spreads a burst over members when no new figure arrives (no herd)', () => {
    const bound = leastConnections.bind(members);
    const ctx = testContext();
    expect(nameSequence(bound, members, ctx, createPoolState(3), 7).join(' ')).toBe('a b c a b c a');
  });

  it('evens out load within one answer during a burst on top of the last figures', () => {
    const bound = leastConnections.bind(members);
    const state = createPoolState(3);
    const ctx = withFigures(testContext({ now: 1000 }), { 0: 0, 1: 5, 2: 9 });
    const seq = nameSequence(bound, members, ctx, state, 16);
    expect(seq.slice(0, 5)).toEqual(['a', 'a', 'a', 'a', 'a']);
    const load = [0, 5, 9].map((c, i) => c + state.handedOut[i]);
    expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
  });

  it('counts each returned member once per answer', () => {
    const state = createPoolState(3);
    pickOnce(leastConnections.bind(members), testContext({ count: 2 }), state);
    expect(Array.from(state.handedOut)).toEqual([1, 1, 0]);
  });

  it('lets handed-out answers fade with the TTL (exponential decay)', () => {
    const state = createPoolState(1);
    state.handedOut[0] = 10;
    state.handedOutAt[0] = 5000;
    expect(handedOutNow(state, 0, 5000, 30)).toBe(10);
    expect(handedOutNow(state, 0, 5000 + 30_000, 30)).toBeCloseTo(10 / Math.E, 9);
    expect(handedOutNow(state, 0, 5000 + 90_000, 30)).toBeCloseTo(10 * Math.exp(-3), 9);
    expect(handedOutNow(state, 0, 5000 + 1000, 0)).toBeCloseTo(10 / Math.E, 9); // TTL 0 decays over 1 s
  });

  it('returns to a member once its burst has faded', () => {
    const bound = leastConnections.bind(members);
    const state = createPoolState(3);
    const ctx = withFigures(testContext({ ttl: 20 }), { 0: 0, 1: 3, 2: 3 });
    expect(nameSequence(bound, members, ctx, state, 4).join(' ')).toBe('a a a a');
    ctx.now += 60_000; // 3 TTLs: a's 4 answers now weigh 0.2
    expect(nameSequence(bound, members, ctx, state, 1)).toEqual(['a']);
  });

  it('a fresh figure outweighs the handed-out estimate', () => {
    const bound = leastConnections.bind(members);
    const state = createPoolState(3);
    const ctx = testContext();
    nameSequence(bound, members, ctx, state, 3); // one answer each
    withFigures(ctx, { 0: 50, 1: 0, 2: 20 });
    expect(nameSequence(bound, members, ctx, state, 3).join(' ')).toBe('b b b');
  });

  it('explains the load of the chosen member, without its own new answer', () => {
    const bound = leastConnections.bind(members);
    const state = createPoolState(3);
    const ctx = withFigures(testContext(), { 0: 9, 1: 4, 2: 6 });
    const picked = pickOnce(bound, ctx, state);
    expect(bound.explain?.(ctx, state, picked)).toBe('least-connections: b has lowest load 4 (4 probed + 0 handed out), of 3 members');
  });

  it('names the members it has no fresh figure for, when others have one', () => {
    const bound = leastConnections.bind(members);
    const ctx = withFigures(testContext(), { 0: 9 }); // b and c: none (or too old)
    const explain = (c: TestContext) => bound.explain?.(c, createPoolState(3), pickOnce(bound, c, createPoolState(3)));
    expect(explain(ctx)).toBe('least-connections: b has lowest load 0 (no fresh figure + 0 handed out), of 3 members; no fresh load figure for b, c');
    // all or none: nothing to contrast
    expect(explain(withFigures(ctx, {}))).toBe('least-connections: a has lowest load 0 (no fresh figure + 0 handed out), of 3 members');
  });
});

describe('weighted-least-connections', () => {
  const members = candidates('a:1 b:3');

  it('divides load by weight', () => {
    const ctx = withFigures(testContext(), { 0: 10, 1: 20 }); // 10 vs 6.67
    expect(names(members, pickOnce(weightedLeastConnections.bind(members), ctx, createPoolState(2)))).toBe('b');
    withFigures(ctx, { 0: 5, 1: 20 }); // 5 vs 6.67
    expect(names(members, pickOnce(weightedLeastConnections.bind(members), ctx, createPoolState(2)))).toBe('a');
  });

  it('hands out a burst in proportion to weight', () => {
    const state = createPoolState(2);
    const seq = nameSequence(weightedLeastConnections.bind(members), members, testContext(), state, 400);
    expect(seq.filter((n) => n === 'b').length).toBe(300);
  });

  it('explains load per weight', () => {
    const bound = weightedLeastConnections.bind(members);
    const state = createPoolState(2);
    const ctx = withFigures(testContext(), { 0: 10, 1: 20 });
    const picked = pickOnce(bound, ctx, state);
    expect(bound.explain?.(ctx, state, picked)).toBe(
      'weighted-least-connections: b has lowest load per weight 6.67 ((20 probed + 0 handed out) / weight 3), of 2 members',
    );
  });
});

describe('least-connections on large pools (power of two choices)', () => {
  it(`scans exactly up to ${EXACT_SCAN_LIMIT} members`, () => {
    const members = candidates(EXACT_SCAN_LIMIT);
    const ctx = withFigures(testContext(), Object.fromEntries(members.map((m) => [m.index, 5])));
    ctx.figures.set(41, { connections: 1, at: 0 });
    expect(pickOnce(leastConnections.bind(members), ctx, createPoolState(members.length))).toEqual([41]);
    expect(ctx.loadCalls).toBe(EXACT_SCAN_LIMIT);
  });

  it.each([
    [EXACT_SCAN_LIMIT + 1, 1],
    [1000, 1],
    [1000, 3],
    [100_000, 2],
  ])('%i members, answers: %i: at most SAMPLED_CHOICES load look-ups per answer', (n, count) => {
    for (const algorithm of [leastConnections, weightedLeastConnections]) {
      const members = candidates(n);
      const bound = algorithm.bind(members);
      const state = createPoolState(n);
      const ctx = testContext({ count, seed: n });
      for (let i = 0; i < 100; i++) {
        ctx.loadCalls = 0;
        expect(pickOnce(bound, ctx, state)).toHaveLength(count);
        expect(ctx.loadCalls).toBeLessThanOrEqual(SAMPLED_CHOICES * count);
      }
    }
  });

  it('steers most answers to the less loaded half', () => {
    const members = candidates(1000);
    const ctx = testContext({ seed: 3 });
    for (let i = 0; i < 500; i++) ctx.figures.set(i, { connections: 100, at: 0 });
    const seq = nameSequence(leastConnections.bind(members), members, ctx, createPoolState(1000), 10_000);
    const light = seq.filter((name) => Number(name.slice(1)) >= 500).length / seq.length;
    expect(light).toBeGreaterThan(0.72); // 1 − (1/2)² = 0.75 with two choices
  });

  it('keeps a burst flat: the busiest member is near the average', () => {
    const state = createPoolState(1000);
    nameSequence(leastConnections.bind(candidates(1000)), candidates(1000), testContext({ seed: 5 }), state, 10_000);
    expect(Math.max(...state.handedOut)).toBeLessThanOrEqual(14); // average 10
    expect(Math.min(...state.handedOut)).toBeGreaterThanOrEqual(6);
  });
});
