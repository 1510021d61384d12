/**
 * Per-pool mutable balancing state. The caller owns it and keeps it across snapshots while the
 * pool's member list is unchanged; algorithms index the arrays by `Candidate.index` (the member's
 * position in the pool definition), so size it with the number of members in the definition, not
 * the number currently eligible.
 */
import type { PoolState } from './types.js';

export function createPoolState(memberCount: number): PoolState {
  const n = Math.max(0, Math.floor(memberCount));
  return { position: 0, handedOut: new Float64Array(n), handedOutAt: new Float64Array(n) };
}
