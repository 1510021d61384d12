/**
 * Checks across names, once every record has been read on its own: CNAME exclusivity, pool
 * records against static addresses, data hidden under a delegation, NS at the apex.
 */
import type { Problem } from '../errors.js';
import { isAtOrBelow, type NameKey } from '../wire/name.js';
import type { Path, ZoneSource } from './zone-yaml.js';

/** One static RRset member or pool record, with where it was written. */
export interface Entry {
  key: NameKey;
  /** owner name, absolute, as written */
  name: string;
  /** "A", "CNAME", … or "pool" for a pool record */
  typeName: string;
  pool?: string;
  line: number;
  /** the field a conflict is reported against */
  blame: Path;
}

const ADDRESS = new Set(['A', 'AAAA']);

function what(e: Entry): string {
  return e.typeName === 'pool' ? `pool "${e.pool}"` : e.typeName;
}

/** Problem between a later entry and an earlier one at the same name, or undefined if they fit. */
function clash(first: Entry, later: Entry): string | undefined {
  const name = `"${later.name}"`;
  if (first.typeName === 'CNAME' && later.typeName === 'CNAME') {
    return `${name} already has a CNAME at line ${first.line}; a name can have only one`;
  }
  if (first.typeName === 'CNAME' || later.typeName === 'CNAME') {
    return `${name} has ${what(first)} at line ${first.line}; a CNAME cannot share its name with other data`;
  }
  if (first.typeName === 'pool' && later.typeName === 'pool') {
    return `${name} already gets its addresses from ${what(first)} at line ${first.line}`;
  }
  const pool = first.typeName === 'pool' ? first : later.typeName === 'pool' ? later : undefined;
  const other = pool === first ? later : first;
  if (pool && ADDRESS.has(other.typeName)) {
    return pool === first
      ? `${name} gets A and AAAA from ${what(pool)} (line ${pool.line}); it cannot also have static ${other.typeName} records`
      : `${name} has static ${other.typeName} records (line ${other.line}); it cannot also get addresses from ${what(pool)}`;
  }
  return undefined;
}

/** At a delegation point only NS, DS and glue may exist; below it only glue. */
function hiddenByCut(e: Entry, cut: Entry): boolean {
  if (e.key === cut.key) return !(e.typeName === 'NS' || e.typeName === 'DS' || ADDRESS.has(e.typeName));
  return !ADDRESS.has(e.typeName);
}

export function checkNames(entries: Entry[], originKey: NameKey, src: ZoneSource): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<Entry>();
  const report = (e: Entry, message: string) => {
    if (reported.has(e)) return;
    reported.add(e);
    problems.push(src.problem(e.blame, message));
  };

  for (const e of entries) {
    if (e.key === originKey && e.typeName === 'CNAME') report(e, 'a CNAME cannot be at the zone apex (the apex has SOA and NS)');
  }

  const byName = new Map<NameKey, Entry[]>();
  for (const e of entries) {
    const list = byName.get(e.key) ?? [];
    for (const first of list) {
      const message = clash(first, e);
      if (message) {
        report(e, message);
        break;
      }
    }
    list.push(e);
    byName.set(e.key, list);
  }

  // highest delegation first: anything below it, deeper NS included, is hidden
  const cuts = entries.filter((e) => e.typeName === 'NS' && e.key !== originKey).sort((a, b) => a.key.length - b.key.length);
  for (const e of entries) {
    const cut = cuts.find((c) => isAtOrBelow(e.key, c.key));
    if (cut && hiddenByCut(e, cut)) {
      report(e, `"${e.name}" is at or below the delegation "${cut.name}" (NS at line ${cut.line}) and would never be served`);
    }
  }
  return problems;
}
