/**
 * A GeoIP database (MaxMind DB: GeoIP2/GeoLite2 City or Country, or anything with the same record
 * layout), answering `lookup(bytes, family)` with a location and the prefix length the answer
 * holds for. Reading the file is async and off the query path; `lookup` is synchronous.
 *
 * Two caches: a repeated client subnet costs one LRU lookup; a new subnet costs a walk of the
 * search tree (about 0.7 µs in GeoLite2 City), and its record is decoded only the first time
 * (most networks share their record with others: 100,000 random /24s land on about 28,000), by
 * a decoder that reads only the fields steering uses (src/geo/mmdb.ts). Networks that share a
 * record share one location object, so the site order computed for it (SiteTable) is shared too.
 *
 * Prefix lengths are always in the client's family: an IPv4 address looked up in an IPv6
 * database reports e.g. 24, not 120 (the walk starts at the node where ::/96 starts and counts
 * depth from there, as the `maxmind` package does).
 */
import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { Reader, type CityResponse } from 'maxmind';
import { MeridianError } from '../errors.js';
import { isValidPoint } from './distance.js';
import { LocationDecoder, SearchTree, type TreeHit } from './mmdb.js';
import { specialPrefix } from './special.js';
import type { GeoLocation, GeoLookup } from './types.js';

/** What GeoDatabase needs of a database file (tests wrap the real one to count calls). */
export interface MmdbSource {
  /** as the `maxmind` package parses it */
  readonly metadata: Reader<CityResponse>['metadata'];
  /** walk the search tree with 4 (IPv4) or 16 address bytes */
  find(bytes: Uint8Array): TreeHit;
  /** the steering fields of the record `find` reported (null: none of them) */
  location(record: number): GeoLocation | null;
}

export interface GeoDatabaseOptions {
  /** lookups kept, by subnet (default 65,536) */
  cacheSize?: number;
  /** decoded records kept, by their offset in the file (default 65,536; GeoLite2 City has about 340,000) */
  recordCacheSize?: number;
}

/** The database's metadata, as plain data. */
export interface GeoDatabaseInfo {
  /** the file (or the name given to fromBuffer) */
  readonly name: string;
  /** e.g. "GeoLite2-City", "GeoIP2-Country" */
  readonly databaseType: string;
  readonly description: string;
  /** seconds since 1970 when the database was built, and the same as ISO 8601 */
  readonly buildEpoch: number;
  readonly builtAt: string;
  readonly ipVersion: 4 | 6;
  readonly nodeCount: number;
  readonly recordSize: number;
  /** file size in bytes (0 when unknown) */
  readonly size: number;
}

export interface GeoCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  readonly max: number;
  /** lookups that threw inside the reader (a corrupt tree or record); answered as not found */
  readonly errors: number;
  /** misses whose record was already decoded (another network with the same record), records decoded, and that cache's size */
  readonly records: { readonly hits: number; readonly decoded: number; readonly size: number; readonly max: number };
}

export const DEFAULT_GEO_CACHE_SIZE = 65_536;
export const DEFAULT_GEO_RECORD_CACHE_SIZE = 65_536;

const GZIP = [0x1f, 0x8b];
const METADATA_MARKER = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);

export class GeoDatabase {
  readonly info: GeoDatabaseInfo;
  readonly #reader: MmdbSource;
  /** by subnet: v4Key (a number) or v6Key (a string), so the two families never collide */
  readonly #cache: LRUCache<number | string, GeoLookup>;
  /** locations by record offset; false: the record has none of the fields steering uses */
  readonly #records: LRUCache<number, GeoLocation | false>;
  /** one frozen result per prefix length, for special ranges and empty records */
  readonly #nulls: GeoLookup[] = [];
  #hits = 0;
  #misses = 0;
  #errors = 0;
  #recordHits = 0;
  #decoded = 0;

  /** Read and check a database file (async; never on the query path). */
  static async open(file: string, options: GeoDatabaseOptions = {}): Promise<GeoDatabase> {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (e) {
      throw invalid(file, readFailure(e));
    }
    return GeoDatabase.fromBuffer(buf, file, options);
  }

  /** Check and open a database already in memory; `name` is used in messages and `info`. */
  static fromBuffer(buf: Buffer, name: string, options: GeoDatabaseOptions = {}): GeoDatabase {
    return new GeoDatabase(openMmdb(buf, name), name, options, buf.length);
  }

  constructor(reader: MmdbSource, name: string, options: GeoDatabaseOptions = {}, size = 0) {
    const max = cacheSize(options.cacheSize ?? DEFAULT_GEO_CACHE_SIZE);
    this.#reader = reader;
    this.#cache = new LRUCache({ max });
    this.#records = new LRUCache({ max: cacheSize(options.recordCacheSize ?? DEFAULT_GEO_RECORD_CACHE_SIZE) });
    const m = reader.metadata;
    const epoch = Math.round(m.buildEpoch.getTime() / 1000);
    this.info = Object.freeze({
      name,
      databaseType: m.databaseType,
      description: descriptionText(m.description),
      buildEpoch: epoch,
      builtAt: Number.isFinite(epoch) ? m.buildEpoch.toISOString() : '',
      ipVersion: m.ipVersion === 4 ? 4 : 6,
      nodeCount: m.nodeCount,
      recordSize: m.recordSize,
      size,
    });
  }

  /**
   * Where the client at `bytes` (4 bytes for IPv4, 16 for IPv6) is. Pass the address already
   * masked to the subnet you trust (the ECS source prefix, or /24 and /56 for packet sources):
   * the cache is keyed by family and bytes. Results are frozen and shared: equal subnets get the
   * same object while cached.
   *
   * `location` is null for private, loopback, link-local and unspecified addresses (prefix = the
   * length of that range: 8 for 10/8, 16 for 192.168/16, 128 for ::1) and for addresses the
   * database does not know (prefix = the depth at which the search tree said so). Never throws
   * on a well-formed input. A source prefix of 0 means the answer must not depend on the client:
   * do not look it up at all.
   */
  lookup(bytes: Uint8Array, family: 4 | 6): GeoLookup {
    if (bytes.length !== (family === 4 ? 4 : 16)) throw new TypeError(`GeoIP lookup: ${bytes.length} address bytes for IPv${family}`);
    const special = specialPrefix(bytes, family);
    if (special !== undefined) return this.#null(special);
    const key = family === 4 ? v4Key(bytes) : v6Key(bytes);
    const hit = this.#cache.get(key);
    if (hit) {
      this.#hits++;
      return hit;
    }
    this.#misses++;
    const result = this.#resolve(bytes, family);
    this.#cache.set(key, result);
    return result;
  }

  stats(): GeoCacheStats {
    const records = { hits: this.#recordHits, decoded: this.#decoded, size: this.#records.size, max: this.#records.max };
    return { hits: this.#hits, misses: this.#misses, size: this.#cache.size, max: this.#cache.max, errors: this.#errors, records };
  }

  #resolve(bytes: Uint8Array, family: 4 | 6): GeoLookup {
    const bits = family === 4 ? 32 : 128;
    // an IPv4-only database has no IPv6 tree: nothing is known, whatever the address
    if (family === 6 && this.info.ipVersion === 4) return this.#null(0);
    let hit: TreeHit;
    let location: GeoLocation | null;
    try {
      hit = this.#reader.find(bytes);
      location = hit.record < 0 ? null : this.#recordLocation(hit.record);
    } catch {
      this.#errors++;
      return this.#null(0);
    }
    const prefix = Math.max(0, Math.min(bits, hit.depth));
    return location ? Object.freeze({ location, prefix }) : this.#null(prefix);
  }

  /** The record's location, decoded once while cached: networks sharing the record get the same object. */
  #recordLocation(record: number): GeoLocation | null {
    const cached = this.#records.get(record);
    if (cached !== undefined) {
      this.#recordHits++;
      return cached || null;
    }
    this.#decoded++;
    const location = this.#reader.location(record);
    this.#records.set(record, location ?? false);
    return location;
  }

  #null(prefix: number): GeoLookup {
    return (this.#nulls[prefix] ??= Object.freeze({ location: null, prefix }));
  }
}

/**
 * The parts of a GeoIP2 record steering uses; null when there are none. Lookups do not decode
 * whole records: LocationDecoder (src/geo/mmdb.ts) reads these fields from the bytes by the
 * same rules, and the tests hold the two to the same answers.
 */
export function toLocation(r: CityResponse): GeoLocation | null {
  const loc: { -readonly [K in keyof GeoLocation]: GeoLocation[K] } = {};
  // `country` only: MaxMind leaves it out where users' location is unknown (anycast such as
  // 1.1.1.1, satellite); registered_country is where the block was registered, often elsewhere
  const country = r.country?.iso_code;
  if (typeof country === 'string' && country !== '') loc.country = country.toUpperCase();
  const continent: string | undefined = r.continent?.code;
  if (typeof continent === 'string' && continent !== '') loc.continent = continent.toUpperCase();
  const lat = r.location?.latitude;
  const lon = r.location?.longitude;
  if (isValidPoint(lat, lon)) {
    loc.lat = lat;
    loc.lon = lon;
  }
  const city = r.city?.names?.en;
  if (typeof city === 'string' && city !== '') loc.city = city;
  if (loc.country === undefined && loc.continent === undefined && loc.lat === undefined) return null;
  return Object.freeze(loc);
}

function cacheSize(max: number): number {
  if (!Number.isInteger(max) || max < 1) throw new MeridianError('CONFIG_INVALID', `GeoIP cache size must be a positive integer, not ${String(max)}`);
  return max;
}

/**
 * Check the file, parse its metadata with the `maxmind` package, and set the search tree and
 * the record decoder on it; MeridianError when broken.
 */
export function openMmdb(buf: Buffer, name: string): MmdbSource {
  if (buf.length === 0) throw invalid(name, 'the file is empty');
  if (buf[0] === GZIP[0] && buf[1] === GZIP[1]) throw invalid(name, 'the file is gzip-compressed: unpack it first (gunzip)');
  // the metadata sits at the end, after this marker: a file cut short loses it
  if (buf.lastIndexOf(METADATA_MARKER) < 0) throw invalid(name, 'no MaxMind DB metadata found: truncated, or not an mmdb file');
  let reader: Reader<CityResponse>;
  try {
    reader = new Reader<CityResponse>(buf);
  } catch (e) {
    throw invalid(name, `its metadata cannot be read (${(e as Error).message}): truncated or corrupt`);
  }
  const m = reader.metadata;
  if (!m || typeof m.nodeCount !== 'number' || m.nodeCount <= 0 || (m.ipVersion !== 4 && m.ipVersion !== 6) || typeof m.databaseType !== 'string') {
    throw invalid(name, 'the metadata is incomplete (node count, IP version or database type missing)');
  }
  if (m.binaryFormatMajorVersion !== 2) throw invalid(name, `binary format ${m.binaryFormatMajorVersion} is not supported (want 2)`);
  // the search tree is followed by 16 zero bytes, then the data section: a truncated or
  // overwritten file fails here
  const sep = m.searchTreeSize;
  if (sep + 16 > buf.length || buf.subarray(sep, sep + 16).some((x) => x !== 0)) {
    throw invalid(name, `the search tree (${m.nodeCount} nodes) does not end where the data section starts: truncated or corrupt`);
  }
  try {
    const tree = new SearchTree(buf, m);
    const decoder = new LocationDecoder(buf, m.searchTreeSize);
    const source: MmdbSource = { metadata: m, find: (bytes) => tree.find(bytes), location: (record) => decoder.location(record) };
    for (const probe of m.ipVersion === 6 ? PROBES : PROBES.filter((p) => p.length === 4)) {
      const hit = source.find(probe);
      if (hit.record >= 0) source.location(hit.record);
    }
    return source;
  } catch (e) {
    throw invalid(name, `a test lookup failed (${(e as Error).message}): corrupt`);
  }
}

/** 1.1.1.1, 8.8.8.8, 2001:4860::, 2a00:: */
const PROBES = [Uint8Array.of(1, 1, 1, 1), Uint8Array.of(8, 8, 8, 8), Uint8Array.of(0x20, 0x01, 0x48, 0x60, ...new Array<number>(12).fill(0)), Uint8Array.of(0x2a, ...new Array<number>(15).fill(0))];

export function invalid(name: string, why: string): MeridianError {
  return new MeridianError('CONFIG_INVALID', `GeoIP database ${name}: ${why}`, [{ file: name, message: why }]);
}

export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot read it (${code ?? (e as Error).message})`;
}

function descriptionText(d: unknown): string {
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object') {
    const en = (d as Record<string, unknown>).en;
    if (typeof en === 'string') return en;
  }
  return '';
}

/**
 * The address as a number, its last byte the most significant: a /24 or shorter (the bytes a
 * lookup is usually given) is below 2^24, a small integer that V8 hashes without allocating,
 * about twice as fast as a string key.
 */
function v4Key(b: Uint8Array): number {
  return ((b[0] << 16) | (b[1] << 8) | b[2]) + b[3] * 0x100_0000;
}

function v6Key(b: Uint8Array): string {
  return String.fromCharCode(
    6,
    (b[0] << 8) | b[1],
    (b[2] << 8) | b[3],
    (b[4] << 8) | b[5],
    (b[6] << 8) | b[7],
    (b[8] << 8) | b[9],
    (b[10] << 8) | b[11],
    (b[12] << 8) | b[13],
    (b[14] << 8) | b[15],
  );
}
