/**
 * random and weighted-random. Randomness comes only from ctx.random, so a seeded source gives a
 * repeatable sequence.
 *
 * random: uniform. `answers: N` draws N distinct members with Floyd's subset algorithm (exactly N
 * random numbers, no retries) and then shuffles them, so every ordered N-subset is equally likely.
 *
 * weighted-random: P(member) = weight / total, O(1) per draw from a Vose alias table built at bind.
 * `answers: N` draws without replacement: each further answer is drawn by weight among the members
 * not yet chosen. The alias table is tried first (a repeat is simply redrawn); after REDRAWS repeats
 * — one member holds most of the weight — that answer is drawn exactly by a scan over the rest.
 */
import { Marks, answerCount, randomBelow } from './common.js';
import type { Algorithm, BoundAlgorithm, Candidate, PickContext, PoolState } from './types.js';

/** Alias-table redraws per answer before weighted-random falls back to an exact linear draw. */
export const REDRAWS = 8;

export const random: Algorithm = {
  name: 'random',
  bind(members: readonly Candidate[]): BoundAlgorithm {
    const n = members.length;
    const marks = new Marks(n);
    return {
      pick(ctx: PickContext, _state: PoolState, out: Int32Array): number {
        const k = answerCount(ctx.count, n, out.length);
        if (k === 0) return 0;
        marks.clear();
        let written = 0;
        for (let j = n - k; j < n; j++) {
          const t = randomBelow(ctx.random, j + 1);
          const m = marks.has(t) ? j : t;
          marks.add(m);
          out[written++] = m;
        }
        for (let i = k - 1; i > 0; i--) {
          const r = randomBelow(ctx.random, i + 1);
          const tmp = out[i];
          out[i] = out[r];
          out[r] = tmp;
        }
        return k;
      },
      explain(_ctx: PickContext, _state: PoolState, picked: readonly number[]): string {
        if (picked.length === 0) return 'random: no eligible members';
        return `random: ${members[picked[0]].name} drawn uniformly from ${n} members`;
      },
    };
  },
};

/** Vose's alias method: column i keeps itself with probability prob[i], else gives alias[i]. */
export function aliasTable(weights: readonly number[]): { prob: Float64Array; alias: Int32Array } {
  const n = weights.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  let total = 0;
  for (const w of weights) total += w;
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    alias[i] = i;
    scaled[i] = (weights[i] * n) / total;
    if (scaled[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  // Whatever is left is 1 up to rounding.
  while (nl > 0) prob[large[--nl]] = 1;
  while (ns > 0) prob[small[--ns]] = 1;
  return { prob, alias };
}

export const weightedRandom: Algorithm = {
  name: 'weighted-random',
  bind(members: readonly Candidate[]): BoundAlgorithm {
    const n = members.length;
    const weights = members.map((m) => m.weight);
    let total = 0;
    for (const w of weights) total += w;
    const { prob, alias } = aliasTable(weights);
    const marks = new Marks(n);

    const draw = (random: () => number): number => {
      const column = randomBelow(random, n);
      return random() < prob[column] ? column : alias[column];
    };

    /** Exact draw by weight among unmarked members (O(n), only after REDRAWS repeats). */
    const drawRemaining = (random: () => number, remaining: number): number => {
      let target = random() * remaining;
      let last = -1;
      for (let i = 0; i < n; i++) {
        if (marks.has(i)) continue;
        last = i;
        target -= weights[i];
        if (target < 0) return i;
      }
      return last; // rounding left a sliver of weight unassigned
    };

    return {
      pick(ctx: PickContext, _state: PoolState, out: Int32Array): number {
        const k = answerCount(ctx.count, n, out.length);
        if (k === 0) return 0;
        marks.clear();
        let remaining = total;
        for (let j = 0; j < k; j++) {
          let m = draw(ctx.random);
          for (let tries = 0; marks.has(m) && tries < REDRAWS; tries++) m = draw(ctx.random);
          if (marks.has(m)) m = drawRemaining(ctx.random, remaining);
          marks.add(m);
          remaining -= weights[m];
          out[j] = m;
        }
        return k;
      },
      explain(_ctx: PickContext, _state: PoolState, picked: readonly number[]): string {
        if (picked.length === 0) return 'weighted-random: no eligible members';
        const m = members[picked[0]];
        const share = ((100 * m.weight) / total).toFixed(1);
        return `weighted-random: ${m.name} drawn by weight ${m.weight} of ${total} (${share}% chance)`;
      },
    };
  },
};
