/**
 * Everything the query path reads, frozen together. A reload, drain or health change builds a new
 * Snapshot and swaps it in with one assignment; a query in flight keeps the one it started with.
 */
import type { ZoneDefinition } from '../config/zone-types.js';
import { compilePool, defaultMemberView, markClientDependence, PoolStateStore, stateKeys, type CompiledPool, type MemberView } from '../balance/pool.js';
import { buildZoneTable, type ZoneTable } from '../zone/table.js';
import type { NameKey } from '../wire/name.js';

export interface ServerIdentity {
  /** answer to CHAOS TXT id.server / hostname.bind; null = REFUSED */
  identity: string | null;
  /** answer to CHAOS TXT version.server / version.bind; null = REFUSED */
  version: string | null;
  /** NSID option value (RFC 5001), null = not sent */
  nsid: Buffer | null;
}

export interface Snapshot {
  readonly generation: number;
  readonly zones: ZoneTable;
  /** compiled pools by zone origin key, then pool name */
  readonly pools: Map<NameKey, Map<string, CompiledPool>>;
  readonly identity: ServerIdentity;
  /** ECS source prefixes longer than these are cut to them (privacy, RFC 7871 §11.1) */
  readonly ecsLimit: { v4: number; v6: number };
  /** the definitions the zone table was built from (a build with the same array reuses the table) */
  readonly zoneDefs: readonly ZoneDefinition[];
}

export interface SnapshotInputs {
  zones: readonly ZoneDefinition[];
  identity: ServerIdentity;
  ecsLimit?: { v4: number; v6: number };
  /** member eligibility (enabled, weight, health, drain) and load figures */
  members?: MemberView;
}

let generation = 0;

/** How many pools a fallback chain may pass through (the zone loader rejects loops). */
export const MAX_FALLBACK_DEPTH = 8;

/**
 * Build a snapshot. With `prev`, what did not change is reused: the zone table when the zone
 * definitions are the same array (a health or load change), and each pool's bound algorithm when
 * its definition and eligible members are unchanged (a load figure change).
 */
export function buildSnapshot(inputs: SnapshotInputs, store: PoolStateStore, prev?: Snapshot): Snapshot {
  const zones = prev && prev.zoneDefs === inputs.zones ? prev.zones : buildZoneTable(inputs.zones);
  const pools = new Map<NameKey, Map<string, CompiledPool>>();
  const keep = new Set<string>();
  for (const zone of zones.zones.values()) {
    const m = new Map<string, CompiledPool>();
    const before = prev?.pools.get(zone.origin);
    for (const def of zone.def.pools) {
      m.set(def.name, compilePool(zone.name, def, store, inputs.members ?? defaultMemberView, before?.get(def.name)));
      for (const k of stateKeys(zone.name, def)) keep.add(k);
    }
    pools.set(zone.origin, markClientDependence(m, MAX_FALLBACK_DEPTH));
  }
  store.retain(keep);
  return {
    generation: ++generation,
    zones,
    pools,
    identity: inputs.identity,
    ecsLimit: inputs.ecsLimit ?? { v4: 24, v6: 56 },
    zoneDefs: inputs.zones,
  };
}
