/**
 * The editing layer of the admin API: one change to a zone file's text at a time (add a record,
 * replace an RRset, add, patch, drain or delete a pool member, bump the serial), made in place
 * so the operator's comments, key order, quoting and flow/block layout survive
 * (zone-edit-splice.ts). Pure: text in, text out. The caller validates the result with
 * parseZoneText, persists it and applies it; nothing here checks that the zone still makes sense
 * beyond finding what an operation names.
 *
 * Throws MeridianError: NOT_FOUND (pool, member, RRset), ALREADY_EXISTS (member name taken),
 * REQUEST_INVALID (a malformed name or patch), ZONE_INVALID (the text itself is not a zone file
 * that can be edited: YAML errors, no `zone:`, a serial that is not a number).
 */
import { MeridianError } from '../errors.js';
import { nameKey, parseName, wireToText, type NameKey } from '../wire/name.js';
import { typeCode } from '../wire/types.js';
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { zoneInvalid } from './zone-file.js';
import { isPlainObject } from './zone-edit-render.js';
import { YamlText } from './zone-edit-splice.js';
import type { ZoneFileMember, ZoneFileRecord } from './zone-schema.js';
import { ZoneSource, type Path } from './zone-yaml.js';

export { zoneTextFromJson } from './zone-edit-render.js';

const U32 = 2 ** 32;
const DATE_SERIALS = [2000010100, 2099123199] as const;

/**
 * The serial after `current`: +1 in RFC 1982 arithmetic (mod 2^32, 0 skipped). A date serial
 * YYYYMMDDnn (2000010100 to 2099123199) moves to today's YYYYMMDD00 (UTC) when that is higher.
 */
export function nextSerial(current: number, now: Date): number {
  const next = (current + 1) % U32 || 1;
  if (current < DATE_SERIALS[0] || current > DATE_SERIALS[1]) return next;
  const today = now.getUTCFullYear() * 1e6 + (now.getUTCMonth() + 1) * 1e4 + now.getUTCDate() * 100;
  return today < U32 ? Math.max(next, today) : next;
}

/** Record types compare without case, and a mnemonic equals its TYPEnnn form (A = TYPE1). */
function sameType(a: string, b: string): boolean {
  const x = a.trim().toUpperCase();
  const y = b.trim().toUpperCase();
  if (x === y) return true;
  const code = typeCode(x);
  return code !== undefined && code === typeCode(y);
}

const notFound = (message: string) => new MeridianError('NOT_FOUND', message);
const invalid = (message: string) => new MeridianError('REQUEST_INVALID', message);

export class ZoneEditor {
  /** absolute origin from `zone:`, e.g. "lb.example.test." */
  readonly origin: string;
  private readonly yaml: YamlText;

  constructor(text: string) {
    this.yaml = new YamlText(text);
    if (this.yaml.doc.errors.length) throw zoneInvalid(new ZoneSource(text).syntaxProblems());
    if (!isMap(this.yaml.doc.contents)) throw zoneInvalid([{ line: 1, column: 1, message: 'the zone file is not a map of keys (zone:, soa: …)' }]);
    const zone = this.yaml.doc.get('zone');
    const src = () => new ZoneSource(text);
    if (typeof zone !== 'string' || zone.trim() === '') throw zoneInvalid([src().keyProblem(['zone'], 'missing (required)')]);
    const written = zone.trim();
    try {
      this.origin = wireToText(parseName(written.endsWith('.') ? written : `${written}.`));
    } catch (e) {
      if (!(e instanceof MeridianError)) throw e;
      throw zoneInvalid([src().problem(['zone'], e.message)]);
    }
  }

  /** The edited text. */
  toString(): string {
    return this.yaml.text;
  }

  /**
   * True once an edit could not be made in place (a layout the splices do not handle, such as a
   * YAML alias or a block scalar in the edited entry): the yaml library then wrote the whole
   * text out again, comments kept but alignment and line layout normalised.
   */
  get reformatted(): boolean {
    return this.yaml.reformatted;
  }

  serial(): number {
    const v = this.yaml.doc.getIn(['soa', 'serial']);
    const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!(n < U32)) throw zoneInvalid([new ZoneSource(this.yaml.text).problem(['soa', 'serial'], 'the SOA serial must be a whole number 0 to 4294967295')]);
    return n;
  }

  /** Set soa.serial to nextSerial(serial(), now) and return it. */
  bumpSerial(now: Date): number {
    const next = nextSerial(this.serial(), now);
    this.yaml.setKey(['soa'], 'serial', next);
    return next;
  }

  /** Append one entry to `records:` (created after `ns:` when absent), `name` first, in the style of the entries there. */
  addRecord(rec: ZoneFileRecord): void {
    const { name, ...rest } = rec;
    this.yaml.insertItems([], 'records', [{ name, ...rest }], undefined, 'ns');
  }

  private ownerKey(name: string): NameKey {
    try {
      return nameKey(name, this.origin);
    } catch (e) {
      if (!(e instanceof MeridianError)) throw e;
      throw invalid(`name "${name}": ${e.message}`);
    }
  }

  /**
   * Indexes of the entries of `records:` whose owner is `name` and whose type is `type`. Names
   * compare as DNS names ("@", relative to the origin, or absolute; case ignored), types without
   * case (A = a = TYPE1). Pool entries ({ name, pool }) have the type "POOL".
   */
  findRRset(name: string, type: string): number[] {
    const key = this.ownerKey(name);
    const out: number[] = [];
    (this.yaml.seq(['records'])?.items ?? []).forEach((item, i) => {
      if (!isMap(item)) return;
      const owner = item.get('name');
      const t = item.has('pool') ? 'POOL' : item.get('type');
      if (typeof owner !== 'string' || typeof t !== 'string' || !sameType(t, type)) return;
      try {
        if (nameKey(owner, this.origin) === key) out.push(i);
      } catch {
        // an entry with a malformed name matches nothing (validation reports it)
      }
    });
    return out;
  }

  /**
   * Replace every entry of the RRset with `records`, each written `{ name, type, …record }` with
   * `name` and `type` as given here (type "POOL": `{ name, pool }`). The first entry takes the
   * place (and keeps the line comment) of the first old one; appended when there was none. An
   * empty `records` deletes the RRset. Returns whether the RRset existed.
   */
  replaceRRset(name: string, type: string, records: Array<Omit<ZoneFileRecord, 'name' | 'type'>>): boolean {
    const old = this.findRRset(name, type);
    const pool = type.trim().toUpperCase() === 'POOL';
    const entries = records.map((r) => {
      const { name: _n, type: _t, ...rest } = r as ZoneFileRecord;
      return pool ? { name, ...rest } : { name, type, ...rest };
    });
    if (old.length === 0) {
      this.yaml.insertItems([], 'records', entries, undefined, 'ns');
      return false;
    }
    if (entries.length === 0) {
      for (const i of [...old].reverse()) this.yaml.removeItem(['records'], i);
      return true;
    }
    this.yaml.replaceItem(['records'], old[0], entries[0]);
    this.yaml.insertItems([], 'records', entries.slice(1), old[0] + 1);
    for (const i of old.slice(1).reverse()) this.yaml.removeItem(['records'], i + entries.length - 1);
    return true;
  }

  /** Remove every entry of the RRset (with the comments on their lines). NOT_FOUND when there is none. */
  deleteRRset(name: string, type: string): void {
    const old = this.findRRset(name, type);
    if (old.length === 0) throw notFound(`no ${type.toUpperCase()} records at ${wireToText(parseName(name, this.origin))} in zone ${this.origin}`);
    for (const i of [...old].reverse()) this.yaml.removeItem(['records'], i);
  }

  private poolPath(pool: string): Path {
    if (!this.yaml.map(['pools', pool])) throw notFound(`no pool "${pool}" in zone ${this.origin}`);
    return ['pools', pool];
  }

  private memberIndex(pool: string, member: string): number {
    const items = this.yaml.seq([...this.poolPath(pool), 'members'])?.items ?? [];
    return items.findIndex((m) => isMap(m) && (m as YAMLMap).get('name') === member);
  }

  private memberPath(pool: string, member: string): Path {
    const i = this.memberIndex(pool, member);
    if (i < 0) throw notFound(`pool "${pool}" has no member "${member}"`);
    return ['pools', pool, 'members', i];
  }

  /** Append a member (`name` first) in the style of the pool's members. ALREADY_EXISTS when the name is taken. */
  addMember(pool: string, member: ZoneFileMember): void {
    if (typeof member?.name !== 'string') throw invalid('a member needs a name');
    if (this.memberIndex(pool, member.name) >= 0) throw new MeridianError('ALREADY_EXISTS', `pool "${pool}" already has a member "${member.name}"`);
    const { name, ...rest } = member;
    this.yaml.insertItems(this.poolPath(pool), 'members', [{ name, ...rest }]);
  }

  /**
   * JSON merge patch (RFC 7396) of the member's keys: `null` deletes a key, an object merges into
   * a map (`health`), anything else replaces the value (new keys go last). A value equal to the
   * one written is left as written. `name` may only repeat the member's own name: renaming is
   * REQUEST_INVALID.
   */
  patchMember(pool: string, member: string, patch: Record<string, unknown>): void {
    if (!isPlainObject(patch)) throw invalid('a member patch must be a JSON object');
    if ('name' in patch && patch.name !== member) {
      throw invalid(`members cannot be renamed (from "${member}"): add a member with the new name and delete this one`);
    }
    this.merge(this.memberPath(pool, member), patch);
  }

  private merge(path: Path, patch: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || (k === 'name' && path.length === 4)) continue;
      const cur = this.yaml.node([...path, k]) as Node | undefined;
      if (v === null) this.yaml.deleteKey(path, k);
      else if (isPlainObject(v) && isMap(cur)) this.merge([...path, k], v);
      else if (!(isScalar(cur) && typeof v !== 'object' && String(cur.value) === String(v))) this.yaml.setKey(path, k, v);
    }
  }

  /** Remove a member with the comment on its line. */
  deleteMember(pool: string, member: string): void {
    const path = this.memberPath(pool, member);
    this.yaml.removeItem(path.slice(0, -1), path[path.length - 1] as number);
  }

  /** `drained: true` is written as the member's last key; false removes the key. */
  setDrained(pool: string, member: string, drained: boolean): void {
    if (drained) this.merge(this.memberPath(pool, member), { drained: true });
    else this.yaml.deleteKey(this.memberPath(pool, member), 'drained');
  }

  /** The member entry as plain JSON, converted as toJSON() converts. */
  member(pool: string, member: string): Record<string, unknown> {
    const path = this.memberPath(pool, member);
    const doc = this.toJSON() as { pools: Record<string, { members: Array<Record<string, unknown>> }> };
    return doc.pools[pool].members[path[3] as number];
  }

  /**
   * The whole zone file as plain JSON, in its own shape (what GET returns and PUT accepts). When
   * the text passes the zone file schema, values are converted as the zone loader converts them:
   * `serial`, `ttl`, `weight`, `lat` … numbers, `enabled` booleans, names and data strings (a
   * `name: 10` stays "10"). When it does not, every scalar is the string written in the file.
   */
  toJSON(): unknown {
    const { data } = new ZoneSource(this.yaml.text).check();
    return data ?? this.yaml.doc.toJS();
  }
}
