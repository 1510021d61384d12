/**
 * The intermediate answer the pipeline builds and the transport encodes: sections of RRsets with
 * RDATA already in wire form. Nothing here touches a packet; `response.ts` does that once, at the
 * end, where truncation and EDNS sizing also happen.
 */
import type { NameKey } from './name.js';

export interface RRset {
  /** owner name: lower-case key and wire form as written in the zone */
  readonly ownerKey: NameKey;
  readonly ownerWire: Buffer;
  readonly type: number;
  /** class, when not IN (CHAOS answers) */
  readonly klass?: number;
  readonly ttl: number;
  /** one wire RDATA per record */
  readonly rdata: readonly Buffer[];
  /** presentation RDATA, parallel to `rdata` (explain, API, logs) */
  readonly text: readonly string[];
}

/** An RRset placed in a section, possibly under another owner (wildcard synthesis, CNAME chain). */
export interface Placed {
  readonly rrset: RRset;
  /** owner to write; equal to the question's key → written as a pointer to the question */
  readonly ownerKey: NameKey;
  readonly ownerWire: Buffer;
  /** TTL override (negative answers carry min(SOA TTL, SOA minimum)) */
  readonly ttl: number;
}

export function place(rrset: RRset, ownerKey = rrset.ownerKey, ownerWire = rrset.ownerWire, ttl = rrset.ttl): Placed {
  return { rrset, ownerKey, ownerWire, ttl };
}

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

export const RCODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RCODE).map(([k, v]) => [v, k]),
);

export interface Answer {
  /** full response code; values above 15 go into the OPT record's extended rcode */
  rcode: number;
  /** authoritative answer */
  aa: boolean;
  answer: Placed[];
  authority: Placed[];
  additional: Placed[];
  /** how many of the first `additional` entries must fit or the response is truncated (in-bailiwick glue) */
  requiredAdditional: number;
  /** ECS SCOPE PREFIX-LENGTH to send back when the query carried ECS */
  ecsScope: number;
  /** echo the question section (false for FORMERR on an unreadable question) */
  question: boolean;
}

export function emptyAnswer(): Answer {
  return {
    rcode: 0,
    aa: false,
    answer: [],
    authority: [],
    additional: [],
    requiredAdditional: 0,
    ecsScope: 0,
    question: true,
  };
}
