/**
 * What flows through the query path: the context each stage reads and enriches, and the three
 * outcomes a stage may return (go on, the answer is complete, or respond with this rcode).
 */
import type { Answer } from '../wire/answer.js';
import type { Query } from '../wire/query.js';
import type { Zone } from '../zone/zone.js';
import type { PoolHit } from '../zone/lookup.js';
import type { CompiledPool } from '../balance/pool.js';
import type { Snapshot, ZoneGeo } from './snapshot.js';
import type { GeoLocation } from '../geo/index.js';

/** Where the client is, as far as steering is concerned. */
export interface ClientInfo {
  /** address bytes (4 or 16), from ECS when present else the packet's source */
  address: Uint8Array;
  family: 4 | 6;
  /** bits of `address` that are known: ECS source prefix (after the privacy limit) or full length */
  prefix: number;
  fromEcs: boolean;
  /** set by the geo stage: where the database places the client (null: unknown, private, loopback) */
  location?: GeoLocation | null;
  /** the prefix length of the database network that matched (what a geo answer depends on) */
  geoPrefix?: number;
}

export interface QueryContext {
  readonly query: Query;
  readonly transport: 'udp' | 'tcp';
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly snapshot: Snapshot;
  readonly answer: Answer;
  zone?: Zone;
  client?: ClientInfo;
  poolHit?: PoolHit;
  /** the compiled pool `poolHit` names, looked up in the snapshot once (by `lookup`); undefined if the snapshot has none */
  pool?: CompiledPool;
  /** set by `geo` when the pool steers by location: the zone's sites and GeoIP database */
  zoneGeo?: ZoneGeo;
  /** set by `explain`: stages append what they decided and why */
  trace?: string[];
}

export type StageResult =
  | { readonly kind: 'continue' }
  | { readonly kind: 'answer' }
  | { readonly kind: 'rcode'; readonly rcode: number };

export const CONTINUE: StageResult = Object.freeze({ kind: 'continue' });
export const ANSWERED: StageResult = Object.freeze({ kind: 'answer' });

const rcodeResults = new Map<number, StageResult>();
/** The (preallocated) result that ends the query with `rcode`. */
export function respond(rcode: number): StageResult {
  let r = rcodeResults.get(rcode);
  if (!r) {
    r = Object.freeze({ kind: 'rcode', rcode });
    rcodeResults.set(rcode, r);
  }
  return r;
}

export interface Stage {
  readonly name: string;
  run(ctx: QueryContext): StageResult;
}
