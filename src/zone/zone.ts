/**
 * The compiled form of one zone: a flat map from name key to node, built once per load so a query
 * costs a few map lookups. Empty non-terminals are real nodes (they exist, RFC 8020), delegation
 * points are indexed, and the negative-answer SOA is prepared with its RFC 2308 TTL.
 */
import type { ZoneDefinition } from '../config/zone-types.js';
import { place, type Placed, type RRset } from '../wire/answer.js';
import { isAtOrBelow, nameKey, parseName, parentKey, wireToKey, type NameKey } from '../wire/name.js';

export const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DS: 43, ANY: 255 } as const;

export interface ZoneNode {
  readonly key: NameKey;
  readonly wire: Buffer;
  readonly rrsets: Map<number, RRset>;
  /** the pool answering A/AAAA here, if any */
  pool?: string;
  /** key of the CNAME's target, worked out once at load (lookup follows it without re-parsing) */
  cnameTarget?: NameKey;
  /** NS below the apex: a delegation point */
  isCut: boolean;
}

export interface Referral {
  readonly ns: RRset;
  /** glue and other known addresses of the NS targets; the first `required` are in-bailiwick */
  glue: Placed[];
  required: number;
}

export interface Zone {
  readonly def: ZoneDefinition;
  readonly origin: NameKey;
  readonly originWire: Buffer;
  readonly name: string;
  readonly serial: number;
  readonly nodes: Map<NameKey, ZoneNode>;
  readonly apex: ZoneNode;
  readonly soa: RRset;
  /** SOA placed for NXDOMAIN/NODATA, TTL = min(SOA TTL, minimum) */
  readonly negative: Placed;
  readonly cuts: Map<NameKey, Referral>;
  /** addresses to add after answers of NS, MX, SRV RRsets (filled by the zone table) */
  readonly additional: Map<RRset, Placed[]>;
}

function makeNode(key: NameKey, wire: Buffer): ZoneNode {
  return { key, wire, rrsets: new Map(), isCut: false };
}

export function compileZone(def: ZoneDefinition): Zone {
  const originWire = parseName(def.origin);
  const origin = nameKey(def.origin);
  const nodes = new Map<NameKey, ZoneNode>();
  const ensure = (wire: Buffer, key: NameKey): ZoneNode => {
    let n = nodes.get(key);
    if (n) return n;
    n = makeNode(key, wire);
    nodes.set(key, n);
    // empty non-terminals between this name and the apex
    let k = key;
    let w = wire;
    while (k !== origin && k.length > origin.length) {
      const pk = parentKey(k)!;
      w = w.subarray(w[0] + 1);
      if (nodes.has(pk)) break;
      nodes.set(pk, makeNode(pk, Buffer.from(w)));
      k = pk;
    }
    return n;
  };
  ensure(originWire, origin);

  // group records into RRsets (TTL of an RRset = the lowest TTL given, RFC 2181 §5.2)
  const building = new Map<string, { key: NameKey; wire: Buffer; type: number; ttl: number; rdata: Buffer[]; text: string[] }>();
  for (const r of def.records) {
    const wire = parseName(r.name);
    const key = nameKey(r.name);
    const id = `${r.type}/${key}`;
    let b = building.get(id);
    if (!b) {
      b = { key, wire, type: r.type, ttl: r.ttl, rdata: [], text: [] };
      building.set(id, b);
    }
    if (b.rdata.some((x) => x.equals(r.rdata))) continue;
    b.ttl = Math.min(b.ttl, r.ttl);
    b.rdata.push(r.rdata);
    b.text.push(r.text);
  }
  for (const b of building.values()) {
    const node = ensure(b.wire, b.key);
    const rrset: RRset = { ownerKey: b.key, ownerWire: b.wire, type: b.type, ttl: b.ttl, rdata: b.rdata, text: b.text };
    node.rrsets.set(b.type, rrset);
    if (b.type === T.CNAME) node.cnameTarget = wireToKey(b.rdata[0]);
  }
  for (const pr of def.poolRecords) {
    ensure(parseName(pr.name), nameKey(pr.name)).pool = pr.pool;
  }
  const apex = nodes.get(origin)!;
  const soa = apex.rrsets.get(T.SOA);
  if (!soa) throw new Error(`zone ${def.origin} has no SOA`);
  const minimum = soa.rdata[0].readUInt32BE(soa.rdata[0].length - 4);
  const cuts = new Map<NameKey, Referral>();
  for (const n of nodes.values()) {
    const ns = n.rrsets.get(T.NS);
    if (ns && n !== apex) {
      n.isCut = true;
      cuts.set(n.key, { ns, glue: [], required: 0 });
    }
  }
  return {
    def,
    origin,
    originWire,
    name: def.origin,
    serial: def.serial,
    nodes,
    apex,
    soa,
    negative: place(soa, soa.ownerKey, soa.ownerWire, Math.min(soa.ttl, minimum)),
    cuts,
    additional: new Map(),
  };
}

/** The highest delegation point at or above `key` inside the zone, if any. */
export function findCut(zone: Zone, key: NameKey): Referral | undefined {
  if (zone.cuts.size === 0) return undefined;
  let found: Referral | undefined;
  let k: NameKey | undefined = key;
  while (k !== undefined && k.length > zone.origin.length) {
    const r = zone.cuts.get(k);
    if (r) found = r;
    k = parentKey(k);
  }
  return found;
}

export function inZone(zone: Zone, key: NameKey): boolean {
  return isAtOrBelow(key, zone.origin);
}
