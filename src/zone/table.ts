/**
 * All zones served, indexed by origin. Finds the most specific zone for a name and links
 * additional-section data (glue, MX/SRV/NS target addresses) across zones once per build.
 */
import { place, type Placed, type RRset } from '../wire/answer.js';
import { isAtOrBelow, parentKey, wireToKey, type NameKey } from '../wire/name.js';
import { compileZone, findCut, T, type Zone } from './zone.js';
import type { ZoneDefinition } from '../config/zone-types.js';

export interface ZoneTable {
  readonly zones: Map<NameKey, Zone>;
  /** most specific zone containing `key`, or undefined (REFUSED) */
  find(key: NameKey): Zone | undefined;
}

export function buildZoneTable(defs: Iterable<ZoneDefinition> | Iterable<Zone>): ZoneTable {
  const zones = new Map<NameKey, Zone>();
  for (const d of defs) {
    const z = 'nodes' in d ? d : compileZone(d);
    zones.set(z.origin, z);
  }
  const table: ZoneTable = {
    zones,
    find(key: NameKey): Zone | undefined {
      let k: NameKey | undefined = key;
      while (k !== undefined) {
        const z = zones.get(k);
        if (z) return z;
        k = parentKey(k);
      }
      return undefined;
    },
  };
  for (const z of zones.values()) linkAdditional(table, z);
  return table;
}

/** Address RRsets of `target` if we are authoritative for it (not below a delegation). */
function addressesOf(table: ZoneTable, targetKey: NameKey, allowBelowCut?: Zone): Placed[] {
  const z = allowBelowCut ?? table.find(targetKey);
  if (!z) return [];
  if (!allowBelowCut && findCut(z, targetKey)) return [];
  const n = z.nodes.get(targetKey);
  if (!n) return [];
  const out: Placed[] = [];
  const a = n.rrsets.get(T.A);
  const aaaa = n.rrsets.get(T.AAAA);
  if (a) out.push(place(a));
  if (aaaa) out.push(place(aaaa));
  return out;
}

/** Byte offset of the target name inside RDATA for the types that get additional processing. */
function targetOffset(type: number): number {
  return type === T.NS ? 0 : type === T.MX ? 2 : type === T.SRV ? 6 : -1;
}

function targets(rrset: RRset): NameKey[] {
  const off = targetOffset(rrset.type);
  return rrset.rdata.map((r) => wireToKey(r, off));
}

function linkAdditional(table: ZoneTable, zone: Zone): void {
  for (const node of zone.nodes.values()) {
    for (const rrset of node.rrsets.values()) {
      if (targetOffset(rrset.type) < 0) continue;
      if (rrset.type === T.NS && node.isCut) continue; // referrals handled below
      const extra = targets(rrset).flatMap((t) => addressesOf(table, t));
      if (extra.length) zone.additional.set(rrset, extra);
    }
  }
  for (const [cutKey, ref] of zone.cuts) {
    const required: Placed[] = [];
    const optional: Placed[] = [];
    for (const t of targets(ref.ns)) {
      if (isAtOrBelow(t, cutKey)) required.push(...addressesOf(table, t, zone));
      else optional.push(...addressesOf(table, t));
    }
    ref.glue = [...required, ...optional];
    ref.required = required.length;
  }
}
