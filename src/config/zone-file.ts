/**
 * Zone file (YAML) -> ZoneDefinition. Three passes, each collecting every problem it finds:
 * YAML syntax, schema (zone-yaml.ts), then meaning: names, RDATA, RRsets, cross-name rules
 * (zone-rules.ts), sites and GeoIP (zone-geo.ts) and pools (zone-pools.ts). Any problem -> one
 * MeridianError ZONE_INVALID listing all of them, each with file, line, column and field.
 */
import { readFile } from 'node:fs/promises';
import { MeridianError, formatProblem, type Problem } from '../errors.js';
import { isAtOrBelow, labelOffsets, parseName, wireToKey, wireToText, type NameKey } from '../wire/name.js';
import { encodeRdata, zoneTypeCode } from '../wire/rdata.js';
import { typeName } from '../wire/types.js';
import { buildGeo } from './zone-geo.js';
import { buildPools } from './zone-pools.js';
import { checkNames, type Entry } from './zone-rules.js';
import { DEFAULT_ZONE_TTL, SOA_DEFAULTS, type ZoneFile, type ZoneFileRecord } from './zone-schema.js';
import type { PoolRecordDef, RecordDef, ZoneDefinition } from './zone-types.js';
import { ZoneSource, type Path } from './zone-yaml.js';

/** Sort problems into file order and wrap them in one error whose message names the first. */
export function zoneInvalid(problems: Problem[]): MeridianError {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const more = sorted.length - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : '';
  return new MeridianError('ZONE_INVALID', `${formatProblem(sorted[0])}${tail}`, sorted);
}

interface Pending extends RecordDef {
  key: NameKey;
  blame: Path;
  ttlPath: Path;
}

class ZoneBuilder {
  readonly problems: Problem[] = [];
  readonly originKey: NameKey;
  /** records whose data failed: still checked against their neighbours (CNAME rules …) */
  readonly unencoded: Entry[] = [];

  constructor(
    readonly src: ZoneSource,
    readonly origin: string,
    readonly ttl: number,
  ) {
    this.originKey = wireToKey(parseName(origin));
  }

  /** Run `fn`; a MeridianError becomes a problem at `path` and the result undefined. */
  attempt<T>(path: Path, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof MeridianError)) throw e;
      this.problems.push(this.src.problem(path, e.message));
      return undefined;
    }
  }

  /** A name from the file, absolute (relative ones and "@" against the origin). */
  name(text: string, path: Path): string | undefined {
    return this.attempt(path, () => wireToText(parseName(text, this.origin)));
  }

  /** An owner name: must lie inside the zone, "*" only as the whole leftmost label. */
  owner(text: string, path: Path): { name: string; key: NameKey } | undefined {
    const wire = this.attempt(path, () => parseName(text, this.origin));
    if (!wire) return undefined;
    const key = wireToKey(wire);
    const name = wireToText(wire);
    if (!isAtOrBelow(key, this.originKey)) {
      this.problems.push(this.src.problem(path, `"${name}" is outside the zone ${this.origin}`));
      return undefined;
    }
    const bad = labelOffsets(key).some((off, i) => {
      const label = key.slice(off + 1, off + 1 + key.charCodeAt(off));
      return label.includes('*') && !(i === 0 && label === '*');
    });
    if (bad) {
      this.problems.push(this.src.problem(path, `"${text}": "*" is only allowed as the whole leftmost label`));
      return undefined;
    }
    return { name, key };
  }

  soa(data: ZoneFile): Pending | undefined {
    const s = data.soa;
    const mname = this.name(s.mname, ['soa', 'mname']);
    let rname: string | undefined;
    if (s.rname.includes('@')) {
      const hint = s.rname.replace('@', '.');
      this.problems.push(this.src.problem(['soa', 'rname'], `write the mailbox as a name, "@" becomes ".": ${hint}`));
    } else rname = this.name(s.rname, ['soa', 'rname']);
    if (!mname || !rname) return undefined;
    const nums = [s.serial, s.refresh ?? SOA_DEFAULTS.refresh, s.retry ?? SOA_DEFAULTS.retry];
    nums.push(s.expire ?? SOA_DEFAULTS.expire, s.minimum ?? SOA_DEFAULTS.minimum);
    const enc = this.attempt(['soa'], () => encodeRdata('SOA', `${mname} ${rname} ${nums.join(' ')}`, this.origin));
    if (!enc) return undefined;
    const line = this.src.whereKey([], 'soa').line;
    const ttl = s.ttl ?? this.ttl;
    return { name: this.origin, key: this.originKey, type: 6, typeName: 'SOA', ttl, ...enc, line, blame: ['soa'], ttlPath: ['soa', 'ttl'] };
  }

  nsList(data: ZoneFile): Pending[] {
    const out: Pending[] = [];
    (data.ns ?? []).forEach((text, i) => {
      const path = ['ns', i];
      const enc = this.attempt(path, () => encodeRdata('NS', text, this.origin));
      if (!enc) return;
      const line = this.src.where(path).line;
      out.push({ name: this.origin, key: this.originKey, type: 2, typeName: 'NS', ttl: this.ttl, ...enc, line, blame: path, ttlPath: path });
    });
    return out;
  }

  poolRecord(r: ZoneFileRecord, path: Path): (PoolRecordDef & { key: NameKey }) | undefined {
    for (const k of ['type', 'data', 'ttl'] as const) {
      if (r[k] !== undefined) {
        const why = `${k} does not go with pool: A and AAAA come from the pool, with the pool's ttl`;
        this.problems.push(this.src.keyProblem([...path, k], why));
      }
    }
    const owner = this.owner(r.name, [...path, 'name']);
    if (!owner) return undefined;
    return { name: owner.name, key: owner.key, pool: r.pool!, line: this.src.where(path).line };
  }

  staticRecord(r: ZoneFileRecord, path: Path): Pending[] {
    const missing = 'missing (a record needs type and data, or pool)';
    if (r.type === undefined) this.problems.push(this.src.keyProblem([...path, 'type'], missing));
    if (r.data === undefined) this.problems.push(this.src.keyProblem([...path, 'data'], missing));
    const owner = this.owner(r.name, [...path, 'name']);
    if (r.type === undefined || r.data === undefined) return [];
    const type = this.attempt([...path, 'type'], () => zoneTypeCode(r.type!));
    if (type === undefined) return [];
    if (type === 6) {
      this.problems.push(this.src.problem([...path, 'type'], 'SOA is not allowed in records: it comes from the soa: section'));
      return [];
    }
    const items: Array<[string, Path]> = Array.isArray(r.data)
      ? r.data.map((d, j) => [d, [...path, 'data', j]])
      : [[r.data, [...path, 'data']]];
    const out: Pending[] = [];
    const line = this.src.where(path).line;
    let failed = false;
    for (const [text, at] of items) {
      const enc = this.attempt(at, () => encodeRdata(r.type!, text, this.origin));
      failed ||= !enc;
      if (!enc || !owner) continue;
      const ttl = r.ttl ?? this.ttl;
      const ttlPath = r.ttl === undefined ? path : [...path, 'ttl'];
      out.push({ ...owner, type, typeName: typeName(type), ttl, ...enc, line, blame: [...path, 'type'], ttlPath });
    }
    if (failed && owner && out.length === 0) {
      this.unencoded.push({ ...owner, typeName: typeName(type), line: line ?? 0, blame: [...path, 'type'] });
    }
    return out;
  }

  /** Drop exact duplicates (one RR), and refuse two TTLs in one RRset (RFC 2181 §5.2). */
  merge(records: Pending[]): Pending[] {
    const rrsets = new Map<string, Pending>();
    const seen = new Set<string>();
    const out: Pending[] = [];
    for (const r of records) {
      const set = `${r.key}\u0000${r.type}`;
      const named = r.target !== undefined || r.type === 6;
      const id = `${set}\u0000${named ? r.text.toLowerCase() : r.rdata.toString('hex')}`;
      const first = rrsets.get(set);
      if (first && first.ttl !== r.ttl) {
        const msg = `TTL ${r.ttl} differs from TTL ${first.ttl} of the same ${r.typeName} RRset at line ${first.line}`;
        this.problems.push(this.src.problem(r.ttlPath, msg));
        continue;
      }
      if (!first) rrsets.set(set, r);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(r);
    }
    return out;
  }

  build(data: ZoneFile): ZoneDefinition | undefined {
    const soa = this.soa(data);
    const apex: Pending[] = this.nsList(data);
    const rest: Pending[] = [];
    const poolRecords: Array<PoolRecordDef & { key: NameKey }> = [];
    const entries: Entry[] = [];
    const poolNames = new Set(Object.keys(data.pools ?? {}));
    (data.records ?? []).forEach((r, i) => {
      const path = ['records', i];
      if (r.pool === undefined) {
        for (const rec of this.staticRecord(r, path)) (rec.key === this.originKey && rec.type === 2 ? apex : rest).push(rec);
        return;
      }
      const pr = this.poolRecord(r, path);
      if (!pr) return;
      if (!poolNames.has(pr.pool)) this.problems.push(this.src.problem([...path, 'pool'], `no pool named "${pr.pool}" in this zone`));
      poolRecords.push(pr);
      entries.push({ key: pr.key, name: pr.name, typeName: 'pool', pool: pr.pool, line: pr.line ?? 0, blame: [...path, 'pool'] });
    });
    const records = this.merge([...(soa ? [soa] : []), ...apex, ...rest]);
    for (const r of records) {
      if (r.type !== 6) entries.push({ key: r.key, name: r.name, typeName: r.typeName, line: r.line ?? 0, blame: r.blame });
    }
    if (!records.some((r) => r.key === this.originKey && r.type === 2)) {
      this.problems.push(this.src.keyProblem(['ns'], 'the zone has no NS records at the apex: list its name servers under ns:'));
    }
    entries.push(...this.unencoded);
    entries.sort((a, b) => a.line - b.line);
    this.problems.push(...checkNames(entries, this.originKey, this.src));
    const { geoip, sites, problems: geoProblems } = buildGeo(data, this.src);
    const { pools, problems } = buildPools(data.pools, this.src, this.origin, sites);
    this.problems.push(...geoProblems, ...problems);
    if (this.problems.length || !soa) return undefined;
    return {
      origin: this.origin,
      ...(this.src.file !== undefined ? { file: this.src.file } : {}),
      defaultTtl: this.ttl,
      serial: data.soa.serial,
      records: records.map(({ key: _k, blame: _b, ttlPath: _t, ...def }) => def),
      pools,
      poolRecords: poolRecords.map(({ key: _k, ...def }) => def),
      ...(geoip ? { geoip } : {}),
      sites,
    };
  }
}

/**
 * Parse and validate zone file text. `file` labels problems, and a relative `geoip.database`
 * is resolved against its directory. Throws ZONE_INVALID.
 */
export function parseZoneText(text: string, file?: string): ZoneDefinition {
  const src = new ZoneSource(text, file);
  const { data, problems } = src.check();
  if (!data) throw zoneInvalid(problems);
  const written = data.zone.trim();
  const absolute = written.endsWith('.') ? written : `${written}.`;
  let origin: string;
  try {
    origin = wireToText(parseName(absolute));
  } catch (e) {
    if (!(e instanceof MeridianError)) throw e;
    throw zoneInvalid([src.problem(['zone'], e.message)]);
  }
  const builder = new ZoneBuilder(src, origin, data.ttl ?? DEFAULT_ZONE_TTL);
  const zone = builder.build(data);
  if (!zone) throw zoneInvalid(builder.problems);
  return zone;
}

/** Read and parse one zone file. Unreadable files are ZONE_INVALID too, with the OS reason. */
export async function loadZoneFile(path: string): Promise<ZoneDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw zoneInvalid([{ file: path, message: `cannot read the file (${reason})` }]);
  }
  return parseZoneText(text, path);
}
