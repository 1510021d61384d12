/**
 * The contract every balancing algorithm implements. An algorithm is bound once per pool (and
 * address family) when a snapshot is built, from the pool's *eligible* members: enabled, not
 * drained, healthy. At query time it only orders those members; it never sees ineligible ones.
 *
 * Algorithms are pure given their inputs: randomness and the clock come in through PickContext,
 * so tests are repeatable. Mutable state (round-robin positions, answers handed out) lives in a
 * PoolState object owned by the caller, which outlives snapshots while the member set is unchanged.
 */

export interface Candidate {
  /** member name, unique inside the pool */
  readonly name: string;
  /** address as text and family */
  readonly address: string;
  readonly family: 4 | 6;
  /** > 0 for eligible members (weight 0 members are never eligible) */
  readonly weight: number;
  readonly site?: string;
  /** stable index of this member in the pool definition (for state arrays) */
  readonly index: number;
}

export interface LoadFigure {
  /** active connections reported by / probed from the member */
  connections: number;
  /** ms timestamp of the figure */
  at: number;
}

export interface PickContext {
  /** uniform random number in [0,1) */
  random(): number;
  /** current time in ms */
  now: number;
  /** client address bytes (already masked to the pool's hash prefix) for ip-hash; may be empty */
  clientKey: Uint8Array;
  /** how many members to return */
  count: number;
  /** TTL of the answer in seconds: answers handed out count as load for this long */
  ttl: number;
  /** latest load figure per member index, or undefined when none is fresh */
  load(index: number): LoadFigure | undefined;
}

/** Per-pool mutable state that survives reloads that keep the member list. */
export interface PoolState {
  /** round-robin / weighted-round-robin position */
  position: number;
  /** decaying count of answers handed out per member index (least-connections) */
  handedOut: Float64Array;
  /** ms timestamp of the last decay update per member index */
  handedOutAt: Float64Array;
}

export interface BoundAlgorithm {
  /**
   * Write the indexes (into `members`) of up to ctx.count distinct members into `out` in the
   * order they should appear, and return how many were written. Never more than members.length.
   */
  pick(ctx: PickContext, state: PoolState, out: Int32Array): number;
  /** human text for `meridian explain`: why the last pick came out as it did */
  explain?(ctx: PickContext, state: PoolState, picked: readonly number[]): string;
}

export interface Algorithm {
  readonly name: string;
  /** Bind to an eligible member list: precompute schedules, tables, alias tables. */
  bind(members: readonly Candidate[]): BoundAlgorithm;
}
