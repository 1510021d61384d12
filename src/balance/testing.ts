/**
 * Helpers for tests of balancing algorithms (the conformance suite, per-algorithm tables, and
 * pipeline tests that need a repeatable pick): a seeded random source, candidate lists written
 * compactly, and a PickContext with defaults. Allocates freely; never use on the query path.
 */
import type { BoundAlgorithm, Candidate, LoadFigure, PickContext, PoolState } from './types.js';

/** mulberry32: a small seeded PRNG returning [0,1). Same seed → same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Candidates from "name:weight" words ("a:5 b c:2"; weight defaults to 1), indexed 0.. in order,
 * or `n` members named m0..m(n-1) with weight 1.
 */
export function candidates(spec: string | number): Candidate[] {
  const words = typeof spec === 'number' ? Array.from({ length: spec }, (_, i) => `m${i}`) : spec.split(/\s+/).filter(Boolean);
  return words.map((word, index) => {
    const [name, weight] = word.split(':');
    return { name, address: `192.0.2.${(index % 250) + 1}`, family: 4, weight: weight ? Number(weight) : 1, index };
  });
}

export interface TestContext extends PickContext {
  /** figures served by load(); set entries to change them */
  figures: Map<number, LoadFigure>;
  /** how many times load() was called */
  loadCalls: number;
}

export function testContext(overrides: Partial<PickContext> & { seed?: number } = {}): TestContext {
  const { seed = 1, ...rest } = overrides;
  const ctx: TestContext = {
    random: seededRandom(seed),
    now: 0,
    clientKey: new Uint8Array(0),
    count: 1,
    ttl: 30,
    figures: new Map(),
    loadCalls: 0,
    load(index: number) {
      ctx.loadCalls++;
      return ctx.figures.get(index);
    },
    ...rest,
  };
  return ctx;
}

/** One pick, as the list of member positions it returned. */
export function pickOnce(bound: BoundAlgorithm, ctx: PickContext, state: PoolState): number[] {
  const out = new Int32Array(Math.max(ctx.count, 1)).fill(-1);
  const written = bound.pick(ctx, state, out);
  return Array.from(out.subarray(0, written));
}

/** `times` single-answer picks, as member names. */
export function nameSequence(
  bound: BoundAlgorithm,
  members: readonly Candidate[],
  ctx: PickContext,
  state: PoolState,
  times: number,
): string[] {
  const names: string[] = [];
  for (let i = 0; i < times; i++) names.push(...pickOnce(bound, ctx, state).map((p) => members[p].name));
  return names;
}

/** Share of answers per member name over `times` picks (first answer only). */
export function shares(
  bound: BoundAlgorithm,
  members: readonly Candidate[],
  ctx: PickContext,
  state: PoolState,
  times: number,
): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(members.map((m) => [m.name, 0]));
  const out = new Int32Array(Math.max(ctx.count, 1));
  for (let i = 0; i < times; i++) {
    if (bound.pick(ctx, state, out) > 0) counts[members[out[0]].name]++;
  }
  for (const name of Object.keys(counts)) counts[name] /= times;
  return counts;
}
