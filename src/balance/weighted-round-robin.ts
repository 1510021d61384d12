/**
 * weighted-round-robin: members in proportion to their weight, smoothly interleaved (nginx's
 * smooth WRR order: weights 5,1,1 give a a b a c a a). One full cycle is precomputed at bind
 * (see smooth-schedule.ts; weights are reduced by their gcd, and scaled down proportionally when
 * the cycle would exceed MAX_CYCLE entries), so a pick is an array read.
 *
 * The PoolState position indexes the cycle and advances by 1 per query. With `answers: N` the
 * first answer is the scheduled member and the rest are the next distinct members met walking the
 * schedule on from there. That walk is capped (WALK_PER_ANSWER per answer) so a pool with one
 * dominant weight cannot make a query walk most of the cycle; members still missing after the
 * cap are taken in pool order after the first answer.
 */
import { Marks, answerCount, wrap } from './common.js';
import { cycleWeights, smoothSchedule } from './smooth-schedule.js';
import type { Algorithm, BoundAlgorithm, Candidate, PickContext, PoolState } from './types.js';

/** Schedule entries a pick may walk per requested answer before falling back to pool order. */
export const WALK_PER_ANSWER = 16;

export const weightedRoundRobin: Algorithm = {
  name: 'weighted-round-robin',
  bind(members: readonly Candidate[]): BoundAlgorithm {
    const n = members.length;
    const weights = cycleWeights(members.map((m) => m.weight));
    const schedule = smoothSchedule(weights);
    const cycle = schedule.length;
    const marks = new Marks(n);
    return {
      pick(ctx: PickContext, state: PoolState, out: Int32Array): number {
        const k = answerCount(ctx.count, n, out.length);
        if (n === 0) return 0;
        const p = wrap(state.position, cycle);
        state.position = (p + 1) % cycle;
        if (k === 0) return 0;
        const first = schedule[p];
        out[0] = first;
        if (k === 1) return 1;
        marks.clear();
        marks.add(first);
        let written = 1;
        const walk = Math.min(cycle - 1, WALK_PER_ANSWER * k);
        for (let step = 1; step <= walk && written < k; step++) {
          const m = schedule[(p + step) % cycle];
          if (marks.add(m)) out[written++] = m;
        }
        for (let step = 1; written < k; step++) {
          const m = (first + step) % n;
          if (marks.add(m)) out[written++] = m;
        }
        return written;
      },
      explain(_ctx: PickContext, state: PoolState, picked: readonly number[]): string {
        if (picked.length === 0) return 'weighted-round-robin: no eligible members';
        const p = (wrap(state.position, cycle) + cycle - 1) % cycle;
        const m = members[picked[0]];
        return `weighted-round-robin: schedule position ${p + 1} of ${cycle} → ${m.name} (weight ${m.weight})`;
      },
    };
  },
};
