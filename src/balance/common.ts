/** Small helpers shared by the balancing algorithms. Nothing here allocates per query. */

/** How many answers a pick writes: ctx.count clamped to the members bound and the output buffer. */
export function answerCount(count: number, members: number, outLength: number): number {
  const wanted = Math.floor(count);
  if (!(wanted > 0)) return 0;
  return Math.min(wanted, members, outLength);
}

/** A `position` from PoolState reduced into [0, length); 0 for anything unusable. */
export function wrap(position: number, length: number): number {
  const p = Math.floor(position) % length;
  return p >= 0 ? p : 0;
}

/** Uniform integer in [0, n) from a [0,1) source; clamped in case the source returns 1. */
export function randomBelow(random: () => number, n: number): number {
  const r = Math.floor(random() * n);
  return r < n ? (r >= 0 ? r : 0) : n - 1;
}

/**
 * A reusable "already chosen in this pick" set over member positions 0..size-1: O(1) clear by
 * bumping a generation stamp, so distinct-member checks cost no allocation per query.
 */
export class Marks {
  private readonly stamp: Uint32Array;
  private generation = 0;
  constructor(size: number) {
    this.stamp = new Uint32Array(size);
  }
  /** Forget every mark (call at the start of each pick). */
  clear(): void {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }
  has(i: number): boolean {
    return this.stamp[i] === this.generation;
  }
  /** Mark `i`; returns false when it was already marked. */
  add(i: number): boolean {
    if (this.stamp[i] === this.generation) return false;
    this.stamp[i] = this.generation;
    return true;
  }
}

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}
