import { describe, expect, it } from 'vitest';
import { roundRobin } from './round-robin.js';
import { createPoolState } from './state.js';
import { candidates, nameSequence, pickOnce, testContext } from './testing.js';

const members = candidates('a b c');

describe('round-robin', () => {
  it.each([
    [1, 'a b c a b c a'],
    [2, 'ab bc ca ab bc'],
    [3, 'abc bca cab abc'],
  ])('answers: %i gives %s', (count, expected) => {
    const bound = roundRobin.bind(members);
    const state = createPoolState(3);
    const ctx = testContext({ count });
    const got = expected.split(' ').map(() => pickOnce(bound, ctx, state).map((p) => members[p].name).join(''));
    expect(got.join(' ')).toBe(expected);
  });

  it('keeps its place across a rebind that keeps the state', () => {
    const state = createPoolState(3);
    const ctx = testContext();
    expect(nameSequence(roundRobin.bind(members), members, ctx, state, 2)).toEqual(['a', 'b']);
    expect(nameSequence(roundRobin.bind(members), members, ctx, state, 2)).toEqual(['c', 'a']);
  });

  it('wraps a position left over from a larger eligible list', () => {
    const state = createPoolState(3);
    state.position = 7;
    expect(nameSequence(roundRobin.bind(members), members, testContext(), state, 3)).toEqual(['b', 'c', 'a']);
    state.position = -2;
    expect(nameSequence(roundRobin.bind(members), members, testContext(), state, 1)).toEqual(['a']);
  });

  it('explains the position', () => {
    const bound = roundRobin.bind(members);
    const state = createPoolState(3);
    const ctx = testContext();
    pickOnce(bound, ctx, state);
    const picked = pickOnce(bound, ctx, state);
    expect(bound.explain?.(ctx, state, picked)).toBe('round-robin: position 2 of 3 → b (next query starts at c)');
  });
});
