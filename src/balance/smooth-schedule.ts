/**
 * One full cycle of smooth weighted round robin (the order nginx uses), computed once at bind.
 *
 * The rule, per step: every member's `current` grows by its weight, the member with the largest
 * `current` is chosen (ties: lowest position), and the chosen one's `current` drops by the total
 * weight W. Weights 5,1,1 give a a b a c a a. After W steps every member has been chosen exactly
 * `weight` times and all `current` values are back to 0, so the cycle repeats.
 *
 * Done naively a cycle costs O(W × n). Here `current` is written in closed form: at step t, member i
 * that has been chosen c_i times so far has current = t·w_i − W·c_i — a line in t. A kinetic
 * tournament tree keeps the winner of every pair of subtrees together with the first step at which
 * that comparison flips (lines only cross once), so a step costs O(log n) plus the flips due
 * (~17 node updates, ~0.8 µs, at 1,000 members). Up to DIRECT_LIMIT members the direct rule
 * (~5 ns per member per step) is faster and is used instead. All arithmetic is on integers below 2^53 (t ≤ W ≤ MAX_CYCLE and w_i ≤ W), so both
 * are exact, and a test checks they agree.
 */
import { gcd } from './common.js';

/** Largest cycle we precompute (an Int32Array of 4 MB). Larger weight sums are scaled down. */
export const MAX_CYCLE = 1_000_000;
/** Large pools get a smaller cap so bind stays fast: cycle × members ≤ this, but never below MIN_CYCLE. */
export const CYCLE_WORK = 1 << 24;
export const MIN_CYCLE = 1 << 16;

/**
 * The cycle cap for n members: MAX_CYCLE up to 16 members, then shrinking with n down to MIN_CYCLE
 * (reached at 256 members), which keeps the worst-case bind under ~100 ms (measured on a laptop-class
 * core: 33 members ≈ 85 ms, 1,000 members ≈ 45 ms). Only pools whose gcd-reduced weights sum past the cap are affected, and scaling to a
 * cap of L moves each member's share of answers by at most 0.5/L of all answers (< 0.001%).
 */
export function cycleCap(n: number): number {
  return Math.min(MAX_CYCLE, Math.max(MIN_CYCLE, Math.floor(CYCLE_WORK / Math.max(n, 1))));
}

/**
 * Turn configured weights into the small integers a cycle is built from: divided by their gcd, and
 * if they are not integers or still sum to more than `maxCycle`, scaled proportionally so they sum
 * to at most `maxCycle` (each rounded, at least 1: a member lighter than 1/maxCycle of the pool
 * still gets one entry per cycle, i.e. more than its share).
 */
export function cycleWeights(weights: readonly number[], maxCycle = cycleCap(weights.length)): Int32Array {
  const n = weights.length;
  const exact = decimalIntegers(weights);
  let sum = 0;
  for (const w of exact ?? weights) sum += w;
  const out = new Int32Array(n);
  if (exact && sum <= maxCycle) {
    for (let i = 0; i < n; i++) out[i] = exact[i];
  } else {
    // Round to a target that leaves room for rounding up and the floor of 1.
    const scale = Math.max(n, maxCycle - n) / sum;
    const source = exact ?? weights;
    for (let i = 0; i < n; i++) out[i] = Math.max(1, Math.round(source[i] * scale));
  }
  let g = 0;
  for (let i = 0; i < n; i++) g = gcd(out[i], g);
  if (g > 1) for (let i = 0; i < n; i++) out[i] /= g;
  return out;
}

/** Weights as integers in the same ratio (decimals like 0.5 or 2.25 scaled by a power of ten, then
 *  divided by their gcd), or undefined when they need more than 6 decimal places. */
function decimalIntegers(weights: readonly number[]): number[] | undefined {
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const scaled = weights.map((w) => Math.round(w * scale));
    if (!scaled.every((x, i) => Math.abs(x - weights[i] * scale) < 1e-6 && Number.isSafeInteger(x))) continue;
    let g = 0;
    for (const x of scaled) g = gcd(x, g);
    return g > 1 ? scaled.map((x) => x / g) : scaled;
  }
  return undefined;
}

/** Pools up to this size use the direct O(n)-per-step rule; larger ones the kinetic tree. */
export const DIRECT_LIMIT = 128;

/** The member positions of one smooth-WRR cycle for integer weights ≥ 1 (length = their sum). */
export function smoothSchedule(weights: Int32Array): Int32Array {
  return weights.length <= DIRECT_LIMIT ? directSchedule(weights) : kineticSchedule(weights);
}

function sum(weights: Int32Array): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  return total;
}

/** The rule as stated: O(n) per step. Fast for small pools; the reference for the kinetic tree. */
export function directSchedule(weights: Int32Array): Int32Array {
  const n = weights.length;
  const total = sum(weights);
  const schedule = new Int32Array(total);
  const current = new Float64Array(n);
  for (let t = 0; t < total; t++) {
    let best = 0;
    for (let i = 0; i < n; i++) {
      current[i] += weights[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    schedule[t] = best;
  }
  return schedule;
}

/** The same schedule in O(log n) amortised per step (see the header). */
export function kineticSchedule(weights: Int32Array): Int32Array {
  const n = weights.length;
  const total = sum(weights);
  const schedule = new Int32Array(total);
  if (n <= 1) return schedule; // all zeros: the only member every time

  let size = 1;
  while (size < n) size <<= 1;
  const chosen = new Float64Array(n); // c_i
  const winner = new Int32Array(2 * size).fill(-1);
  const flipAt = new Float64Array(2 * size).fill(Infinity); // when this node's comparison flips
  const dueAt = new Float64Array(2 * size).fill(Infinity); // min flipAt over the subtree
  for (let i = 0; i < n; i++) winner[size + i] = i;

  const current = (i: number, t: number): number => t * weights[i] - total * chosen[i];

  /** Recompute node v from its children as of step t. */
  const settle = (v: number, t: number): void => {
    const a = winner[2 * v];
    const b = winner[2 * v + 1];
    let flip = Infinity;
    if (a < 0 || b < 0) {
      winner[v] = a < 0 ? b : a;
    } else {
      const ca = current(a, t);
      const cb = current(b, t);
      const aWins = ca > cb || (ca === cb && a < b);
      const win = aWins ? a : b;
      const lose = aWins ? b : a;
      winner[v] = win;
      const gain = weights[lose] - weights[win]; // how much faster the loser's line climbs
      if (gain > 0) {
        const lead = Math.abs(ca - cb);
        // The loser takes over when the lead is gone (tie suffices if it has the lower position).
        flip = t + (lose < win ? Math.ceil(lead / gain) : Math.floor(lead / gain) + 1);
      }
    }
    flipAt[v] = flip;
    dueAt[v] = Math.min(flip, dueAt[2 * v], dueAt[2 * v + 1]);
  };

  /** Re-settle every node whose comparison has flipped by step t (children first). */
  const advance = (v: number, t: number): void => {
    if (dueAt[v] > t || v >= size) return;
    advance(2 * v, t);
    advance(2 * v + 1, t);
    settle(v, t);
  };

  for (let v = size - 1; v >= 1; v--) settle(v, 1);
  for (let t = 1; t <= total; t++) {
    advance(1, t);
    const pick = winner[1];
    schedule[t - 1] = pick;
    chosen[pick] += 1;
    for (let v = (size + pick) >> 1; v >= 1; v >>= 1) settle(v, t);
  }
  return schedule;
}
