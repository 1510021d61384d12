/**
 * Everything the query path reads, frozen together. A reload, drain or health change builds a new
 * Snapshot and swaps it in with one assignment; a query in flight keeps the one it started with.
 */
import type { ZoneDefinition } from '../config/zone-types.js';
import { compilePool, defaultMemberView, markClientDependence, poolKey, PoolStateStore, type CompiledPool, type MemberView } from '../balance/pool.js';
import { buildZoneTable, type ZoneTable } from '../zone/table.js';
import type { NameKey } from '../wire/name.js';
import { buildSiteTable, type GeoDatabase, type SiteTable } from '../geo/index.js';

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
  /** GeoIP steering data by zone origin key, for zones with `sites:` */
  readonly geo: Map<NameKey, ZoneGeo>;
}

/** What the geo stage needs for one zone: its sites, and the database to locate clients with. */
export interface ZoneGeo {
  readonly sites: SiteTable;
  /** the database (last good version); undefined when none could be opened: clients go to the default site */
  readonly db: GeoDatabase | undefined;
}

export interface SnapshotInputs {
  zones: readonly ZoneDefinition[];
  identity: ServerIdentity;
  ecsLimit?: { v4: number; v6: number };
  /** member eligibility (enabled, weight, health, drain) and load figures */
  members?: MemberView;
  /** the GeoIP database a zone uses (its `geoip.database`, else the server's --geoip) */
  geoDatabase?: (zone: ZoneDefinition) => GeoDatabase | undefined;
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
  const members = new Set<string>();
  for (const zone of zones.zones.values()) {
    const m = new Map<string, CompiledPool>();
    const before = prev?.pools.get(zone.origin);
    for (const def of zone.def.pools) {
      m.set(def.name, compilePool(zone.name, def, store, inputs.members ?? defaultMemberView, before?.get(def.name)));
      keep.add(poolKey(zone.name, def.name));
      for (const mem of def.members) members.add(`${poolKey(zone.name, def.name)}\u0000${mem.name}`);
    }
    pools.set(zone.origin, markClientDependence(m, MAX_FALLBACK_DEPTH));
  }
  store.retain(keep, members);
  const geo = new Map<NameKey, ZoneGeo>();
  for (const zone of zones.zones.values()) {
    if (zone.def.sites.length === 0) continue;
    const sites = prev && prev.zoneDefs === inputs.zones ? prev.geo.get(zone.origin)?.sites : undefined;
    geo.set(zone.origin, {
      sites: sites ?? buildSiteTable(zone.def.sites, zone.def.geoip?.defaultSite),
      db: inputs.geoDatabase?.(zone.def),
    });
  }
  return {
    generation: ++generation,
    zones,
    pools,
    identity: inputs.identity,
    ecsLimit: inputs.ecsLimit ?? { v4: 24, v6: 56 },
    zoneDefs: inputs.zones,
    geo,
  };
}
