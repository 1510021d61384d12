/**
 * round-robin: each query starts one member further along the eligible list, and with
 * `answers: N` returns the N members from that position on (a rotation). The position lives in
 * PoolState and advances by exactly 1 per query, whatever N is.
 */
import { answerCount, wrap } from './common.js';
import type { Algorithm, BoundAlgorithm, Candidate, PickContext, PoolState } from './types.js';

export const roundRobin: Algorithm = {
  name: 'round-robin',
  bind(members: readonly Candidate[]): BoundAlgorithm {
    const n = members.length;
    return {
      pick(ctx: PickContext, state: PoolState, out: Int32Array): number {
        const k = answerCount(ctx.count, n, out.length);
        if (n === 0) return 0;
        const start = wrap(state.position, n);
        for (let j = 0; j < k; j++) out[j] = (start + j) % n;
        state.position = (start + 1) % n;
        return k;
      },
      explain(_ctx: PickContext, state: PoolState, picked: readonly number[]): string {
        if (picked.length === 0) return 'round-robin: no eligible members';
        const first = picked[0];
        return `round-robin: position ${first + 1} of ${n} → ${members[first].name} (next query starts at ${members[wrap(state.position, n)].name})`;
      },
    };
  },
};
