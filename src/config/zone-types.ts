/**
 * What a zone file means once loaded and validated: plain data, no wire maps yet.
 * `src/zone/compile.ts` turns a ZoneDefinition into the lookup structure the query path reads.
 */
import type { HealthCheckDef } from '../health/types.js';

/** One resource record, names absolute, rdata already in wire form (uncompressed). */
export interface RecordDef {
  /** absolute owner name as written (case preserved), e.g. "www.lb.example.test." */
  name: string;
  /** RR type code (1 = A …) and mnemonic */
  type: number;
  typeName: string;
  ttl: number;
  /** RDATA in wire format, names uncompressed */
  rdata: Buffer;
  /** canonical presentation form of the RDATA (as `dig` prints it, names absolute) */
  text: string;
  /** for NS, MX, SRV, CNAME, PTR: the absolute target name (additional-section processing, CNAME chasing) */
  target?: string;
  /** where it came from, for error messages and the admin API */
  line?: number;
}

export type AlgorithmName =
  | 'round-robin'
  | 'weighted-round-robin'
  | 'least-connections'
  | 'weighted-least-connections'
  | 'random'
  | 'weighted-random'
  | 'ip-hash';

export const ALGORITHMS: readonly AlgorithmName[] = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'weighted-least-connections',
  'random',
  'weighted-random',
  'ip-hash',
];

/** Names of pools, members and sites appear in URLs, metrics and logs: keep them plain. */
export const LABEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';

/** `geo:` of a pool: `nearest` sends each client to the nearest site with an eligible member. */
export type GeoMode = 'nearest' | 'none';

export const GEO_MODES: readonly GeoMode[] = ['nearest', 'none'];

/** Continent codes as MaxMind databases give them (`continent.code`). */
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;
export type ContinentCode = (typeof CONTINENTS)[number];

export interface MemberDef {
  name: string;
  /** IPv4 or IPv6 address served in answers (A or AAAA) */
  address: string;
  family: 4 | 6;
  weight: number;
  site?: string;
  enabled: boolean;
  /** the operator's drain (admin API): not answered, not even by `fallback: all`, still probed; separate from health */
  drained: boolean;
  /** address probed by health checks instead of `address` (`check-address:`), canonical text */
  checkAddress?: string;
  /**
   * the member's resolved check: its pool's `health:` with its own `health:` on top; null when
   * nothing is probed (no section, or kind: none) and the member always counts as healthy
   */
  check: HealthCheckDef | null;
  line?: number;
}

export type FallbackDef =
  | { kind: 'all' }
  | { kind: 'none'; rcode: 'nodata' | 'servfail' }
  | { kind: 'pool'; pool: string };

export interface PoolDef {
  name: string;
  algorithm: AlgorithmName;
  ttl: number;
  answers: number;
  fallback: FallbackDef;
  /** ip-hash: prefix lengths the client address is masked to before hashing */
  hashPrefix: { v4: number; v6: number };
  /** `geo:` — 'none' (default): members are chosen without regard to the client's location */
  geo: GeoMode;
  /**
   * `sites-per-answer:` (geo nearest only; 1..16, default 1): the algorithm picks among the
   * eligible members of this many nearest sites that have one
   */
  sitesPerAnswer: number;
  /** the pool's own `health:` resolved (what members inherit); absent without one, null for kind: none */
  health?: HealthCheckDef | null;
  members: MemberDef[];
  line?: number;
}

/** A name whose A/AAAA answers come from a pool. */
export interface PoolRecordDef {
  name: string;
  pool: string;
  line?: number;
}

/** A place members live (`sites:`), for GeoIP steering. */
export interface SiteDef {
  name: string;
  /** degrees, -90..90 and -180..180 */
  lat: number;
  lon: number;
  /** clients in these countries come here first, whatever the distance (ISO 3166-1 alpha-2, upper case) */
  countries: string[];
  /** likewise for continents (a country override wins over a continent one) */
  continents: ContinentCode[];
  line?: number;
}

/** The zone's `geoip:` section. */
export interface GeoipDef {
  /**
   * MaxMind DB file, absolute (resolved against the zone file's directory), or as written when
   * the zone has no file; absent: the server's --geoip. Not opened when the zone loads.
   */
  database?: string;
  /** site for clients that cannot be located (private, loopback, not in the database); absent: the first site */
  defaultSite?: string;
}

export interface ZoneDefinition {
  /** absolute origin as written, e.g. "lb.example.test." */
  origin: string;
  /** file it was loaded from (absent when built in memory) */
  file?: string;
  defaultTtl: number;
  serial: number;
  /** every static record, including the apex SOA (from `soa:`) and apex NS (from `ns:`) */
  records: RecordDef[];
  pools: PoolDef[];
  poolRecords: PoolRecordDef[];
  /** absent when the file has no `geoip:` section */
  geoip?: GeoipDef;
  /** `sites:` in file order; empty when absent */
  sites: SiteDef[];
}
