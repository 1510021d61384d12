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

export interface MemberDef {
  name: string;
  /** IPv4 or IPv6 address served in answers (A or AAAA) */
  address: string;
  family: 4 | 6;
  weight: number;
  site?: string;
  enabled: boolean;
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
}
