/**
 * Authoritative lookup (RFC 1034 §4.3.2, wildcards per RFC 4592, ANY per RFC 8482): fills the
 * Answer's sections from the zone and reports a pool hit for the balancing stage to complete.
 * Pure data work; never touches bytes or sockets.
 */
import { place, RCODE, type Answer, type Placed } from '../wire/answer.js';
import { parentKey, type NameKey } from '../wire/name.js';
import { findCut, T, type Zone, type ZoneNode } from './zone.js';
import type { ZoneTable } from './table.js';

/** A name whose A/AAAA answer must come from a pool. */
export interface PoolHit {
  zone: Zone;
  pool: string;
  ownerKey: NameKey;
  ownerWire: Buffer;
  /** 1 (A) or 28 (AAAA) */
  qtype: number;
}

export const MAX_CNAME_CHAIN = 12;

const WILDCARD_PREFIX = '\u0001*';

/** RRset types offered for ANY, in order of preference (RFC 8482: answer with one RRset). */
const ANY_ORDER = [T.A, T.AAAA, T.CNAME, T.MX, T.TXT, T.NS, T.SOA, T.SRV, T.PTR];

/**
 * Look `qkey`/`qtype` up starting in `zone`. Returns a PoolHit when the final answer must come
 * from a pool (the caller completes it), else undefined with `answer` complete.
 */
export function lookup(
  table: ZoneTable,
  zone: Zone,
  qkey: NameKey,
  qwire: Buffer,
  qtype: number,
  answer: Answer,
): PoolHit | undefined {
  answer.aa = true;
  answer.rcode = RCODE.NOERROR;
  let key = qkey;
  let wire = qwire;
  for (let step = 0; step <= MAX_CNAME_CHAIN; step++) {
    const cut = findCut(zone, key);
    if (cut && !(cut.ns.ownerKey === key && qtype === T.DS)) {
      if (step > 0) return undefined; // chain leads into a delegation: stop with what we have
      answer.aa = false;
      answer.authority.push(place(cut.ns));
      for (const g of cut.glue) answer.additional.push(g);
      answer.requiredAdditional = cut.required;
      return undefined;
    }
    let node = zone.nodes.get(key);
    if (!node) {
      node = wildcardFor(zone, key);
      if (!node) {
        answer.rcode = RCODE.NXDOMAIN;
        answer.authority.push(zone.negative);
        return undefined;
      }
    }
    const cname = node.rrsets.get(T.CNAME);
    if (cname && qtype !== T.CNAME && qtype !== T.ANY) {
      answer.answer.push(place(cname, key, wire));
      if (step === MAX_CNAME_CHAIN) return undefined;
      const target = cname.rdata[0];
      const targetKey = node.cnameTarget!;
      if (answer.answer.some((p) => p.ownerKey === targetKey)) return undefined; // loop
      const z = table.find(targetKey);
      if (!z) return undefined; // out of our zones: the resolver follows it
      zone = z;
      key = targetKey;
      wire = target;
      continue;
    }
    return answerAt(zone, node, key, wire, qtype, answer);
  }
  return undefined;
}

function wildcardFor(zone: Zone, key: NameKey): ZoneNode | undefined {
  // closest encloser: the nearest existing ancestor (the apex always exists)
  let k = parentKey(key);
  while (k !== undefined && !zone.nodes.has(k)) k = parentKey(k);
  if (k === undefined) return undefined;
  return zone.nodes.get(WILDCARD_PREFIX + k);
}

function answerAt(
  zone: Zone,
  node: ZoneNode,
  key: NameKey,
  wire: Buffer,
  qtype: number,
  answer: Answer,
): PoolHit | undefined {
  if (qtype === T.ANY) {
    for (const t of ANY_ORDER) {
      if (t === T.A && node.pool) return { zone, pool: node.pool, ownerKey: key, ownerWire: wire, qtype: T.A };
      const rrset = node.rrsets.get(t);
      if (rrset) {
        addRRset(zone, answer, place(rrset, key, wire));
        return undefined;
      }
    }
    // only less common types here (CAA, HINFO, …): any one of them; NODATA only for an empty node
    const other = node.rrsets.values().next();
    if (!other.done) {
      addRRset(zone, answer, place(other.value, key, wire));
      return undefined;
    }
    answer.authority.push(zone.negative);
    return undefined;
  }
  if (node.pool && (qtype === T.A || qtype === T.AAAA)) {
    return { zone, pool: node.pool, ownerKey: key, ownerWire: wire, qtype };
  }
  const rrset = node.rrsets.get(qtype);
  if (!rrset) {
    answer.authority.push(zone.negative); // NODATA
    return undefined;
  }
  addRRset(zone, answer, place(rrset, key, wire));
  return undefined;
}

function addRRset(zone: Zone, answer: Answer, p: Placed): void {
  answer.answer.push(p);
  const extra = zone.additional.get(p.rrset);
  if (extra) for (const e of extra) answer.additional.push(e);
}
