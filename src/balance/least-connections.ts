/**
 * least-connections and weighted-least-connections: the member with the lowest load, where
 *
 *   load = connections in the member's fresh load figure (0 when there is none)
 *        + answers recently handed out for it, decaying exponentially with time constant = TTL
 *
 * The handed-out term keeps a burst of queries between two load figures from all landing on the
 * member that looked idlest (the herd): every answer adds 1 to each returned member's count in
 * PoolState, and the count fades as e^(−Δt/TTL) — after one TTL an answer weighs 0.37, after three
 * 0.05 — roughly the rate at which resolvers stop using it. TTLs below MIN_DECAY_SECONDS use that.
 * weighted-least-connections divides the load by the member's weight.
 *
 * Ties go to the lowest position in the eligible list (which is pool order); since each answer raises
 * the winner's count, tied members then take turns.
 *
 * Cost: pools of up to EXACT_SCAN_LIMIT members are scanned exactly (n load look-ups). Larger pools
 * use the power of d choices: each answer is the best of SAMPLED_CHOICES members drawn uniformly
 * at random, so a pick costs at most SAMPLED_CHOICES × answers look-ups whatever the pool size —
 * and two random choices already avoid hot spots almost as well as a full scan.
 */
import { Marks, answerCount, randomBelow } from './common.js';
import type { Algorithm, BoundAlgorithm, Candidate, PickContext, PoolState } from './types.js';

export const EXACT_SCAN_LIMIT = 64;
export const SAMPLED_CHOICES = 2;
export const MIN_DECAY_SECONDS = 1;
/** Draws per sample before a sample steps to the next unchosen member instead (large answers). */
const SAMPLE_REDRAWS = 4;

/** handedOut[index] decayed to `now` (0 when the state is too short for this index). */
export function handedOutNow(state: PoolState, index: number, now: number, ttl: number): number {
  if (index >= state.handedOut.length) return 0;
  const h = state.handedOut[index];
  const dt = now - state.handedOutAt[index];
  if (h === 0 || dt <= 0) return h;
  return h * Math.exp(-dt / (Math.max(ttl, MIN_DECAY_SECONDS) * 1000));
}

function probed(ctx: PickContext, index: number): number {
  const c = ctx.load(index)?.connections;
  return c !== undefined && c > 0 && Number.isFinite(c) ? c : 0;
}

function bindLeast(name: string, weighted: boolean, members: readonly Candidate[]): BoundAlgorithm {
  const n = members.length;
  const divisor = Float64Array.from(members, (m) => (weighted ? m.weight : 1));
  const scores = new Float64Array(n);
  const marks = new Marks(n);

  const score = (ctx: PickContext, state: PoolState, i: number): number => {
    const index = members[i].index;
    return (probed(ctx, index) + handedOutNow(state, index, ctx.now, ctx.ttl)) / divisor[i];
  };
  const better = (si: number, i: number, sj: number, j: number): boolean => si < sj || (si === sj && i < j);

  /**
   * When some members have a fresh figure and others not (none yet, or older than its max-age), the
   * others count only the answers handed out: say which, as that is why they look idle.
   */
  const unprobed = (ctx: PickContext): string => {
    const without = members.filter((m) => !ctx.load(m.index)).map((m) => m.name);
    if (without.length === 0 || without.length === n) return '';
    const shown = without.length > 5 ? `${without.slice(0, 5).join(', ')}, … (${without.length} of ${n})` : without.join(', ');
    return `; no fresh load figure for ${shown}`;
  };

  /** Exact: score everyone, then take the k lowest (k small, n ≤ EXACT_SCAN_LIMIT). */
  const pickExact = (ctx: PickContext, state: PoolState, out: Int32Array, k: number): void => {
    for (let i = 0; i < n; i++) scores[i] = score(ctx, state, i);
    for (let j = 0; j < k; j++) {
      let best = -1;
      for (let i = 0; i < n; i++) {
        if (marks.has(i)) continue;
        if (best < 0 || better(scores[i], i, scores[best], best)) best = i;
      }
      marks.add(best);
      out[j] = best;
    }
  };

  /** A uniformly drawn member not yet chosen in this pick. */
  const sample = (ctx: PickContext): number => {
    let m = randomBelow(ctx.random, n);
    for (let tries = 0; marks.has(m) && tries < SAMPLE_REDRAWS; tries++) m = randomBelow(ctx.random, n);
    while (marks.has(m)) m = (m + 1) % n;
    return m;
  };

  /** Sampled: each answer is the best of SAMPLED_CHOICES random unchosen members. */
  const pickSampled = (ctx: PickContext, state: PoolState, out: Int32Array, k: number): void => {
    for (let j = 0; j < k; j++) {
      let best = sample(ctx);
      let bestScore = score(ctx, state, best);
      for (let d = 1; d < SAMPLED_CHOICES; d++) {
        const m = sample(ctx);
        if (m === best) continue;
        const s = score(ctx, state, m);
        if (better(s, m, bestScore, best)) {
          best = m;
          bestScore = s;
        }
      }
      marks.add(best);
      out[j] = best;
    }
  };

  return {
    pick(ctx: PickContext, state: PoolState, out: Int32Array): number {
      const k = answerCount(ctx.count, n, out.length);
      if (k === 0) return 0;
      marks.clear();
      if (n <= EXACT_SCAN_LIMIT) pickExact(ctx, state, out, k);
      else pickSampled(ctx, state, out, k);
      for (let j = 0; j < k; j++) {
        const index = members[out[j]].index;
        if (index >= state.handedOut.length) continue;
        state.handedOut[index] = handedOutNow(state, index, ctx.now, ctx.ttl) + 1;
        state.handedOutAt[index] = ctx.now;
      }
      return k;
    },
    /** Meant to be called right after pick with the same ctx: it discounts that pick's own answer. */
    explain(ctx: PickContext, state: PoolState, picked: readonly number[]): string {
      if (picked.length === 0) return `${name}: no eligible members`;
      const m = members[picked[0]];
      const conns = probed(ctx, m.index);
      let handed = handedOutNow(state, m.index, ctx.now, ctx.ttl);
      if (m.index < state.handedOutAt.length && state.handedOutAt[m.index] === ctx.now) handed = Math.max(0, handed - 1);
      const figure = ctx.load(m.index) ? `${conns} probed` : 'no fresh figure';
      const parts = `${figure} + ${round(handed)} handed out`;
      const how = (n <= EXACT_SCAN_LIMIT ? `of ${n} members` : `best of ${SAMPLED_CHOICES} sampled from ${n} members`) + unprobed(ctx);
      if (!weighted) return `${name}: ${m.name} has lowest load ${round(conns + handed)} (${parts}), ${how}`;
      const perWeight = round((conns + handed) / m.weight);
      return `${name}: ${m.name} has lowest load per weight ${perWeight} ((${parts}) / weight ${m.weight}), ${how}`;
    },
  };
}

function round(x: number): string {
  return String(Math.round(x * 100) / 100);
}

export const leastConnections: Algorithm = {
  name: 'least-connections',
  bind: (members) => bindLeast('least-connections', false, members),
};

export const weightedLeastConnections: Algorithm = {
  name: 'weighted-least-connections',
  bind: (members) => bindLeast('weighted-least-connections', true, members),
};
