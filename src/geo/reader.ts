/**
 * A GeoIP database (MaxMind DB: GeoIP2/GeoLite2 City or Country, or anything with the same record
 * layout) over the `maxmind` package's Reader, answering `lookup(bytes, family)` with a location
 * and the prefix length the answer holds for. Reading the file is async and off the query path;
 * `lookup` is synchronous, and a repeated client subnet costs one LRU cache lookup.
 *
 * Prefix lengths are always in the client's family: an IPv4 address looked up in an IPv6
 * database reports e.g. 24, not 120. (mmdb-lib already walks IPv4 from the node where ::/96
 * starts and counts depth from there; the conversion below only guards that contract.)
 */
import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { Reader, type CityResponse } from 'maxmind';
import { MeridianError } from '../errors.js';
import { isValidPoint } from './distance.js';
import { specialPrefix } from './special.js';
import type { GeoLocation, GeoLookup } from './types.js';

/** What GeoDatabase needs of a MaxMind reader (tests wrap a real Reader to count calls). */
export interface MmdbSource {
  readonly metadata: Reader<CityResponse>['metadata'];
  getWithPrefixLength(ip: string): [CityResponse | null, number];
}

export interface GeoDatabaseOptions {
  /** lookups kept, by subnet (default 65,536) */
  cacheSize?: number;
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
  /** lookups that threw inside the reader (a corrupt tree); answered as not found */
  readonly errors: number;
}

export const DEFAULT_GEO_CACHE_SIZE = 65_536;

const GZIP = [0x1f, 0x8b];
const METADATA_MARKER = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);

export class GeoDatabase {
  readonly info: GeoDatabaseInfo;
  readonly #reader: MmdbSource;
  readonly #cache: LRUCache<string, GeoLookup>;
  /** one frozen result per prefix length, for special ranges and empty records */
  readonly #nulls: GeoLookup[] = [];
  #hits = 0;
  #misses = 0;
  #errors = 0;

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
    return new GeoDatabase(openReader(buf, name), name, options, buf.length);
  }

  constructor(reader: MmdbSource, name: string, options: GeoDatabaseOptions = {}, size = 0) {
    const max = options.cacheSize ?? DEFAULT_GEO_CACHE_SIZE;
    if (!Number.isInteger(max) || max < 1) throw new MeridianError('CONFIG_INVALID', `GeoIP cache size must be a positive integer, not ${String(max)}`);
    this.#reader = reader;
    this.#cache = new LRUCache({ max });
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
    const key = family === 4 ? String.fromCharCode(4, bytes[0], bytes[1], bytes[2], bytes[3]) : v6Key(bytes);
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
    return { hits: this.#hits, misses: this.#misses, size: this.#cache.size, max: this.#cache.max, errors: this.#errors };
  }

  #resolve(bytes: Uint8Array, family: 4 | 6): GeoLookup {
    const bits = family === 4 ? 32 : 128;
    // an IPv4-only database has no IPv6 tree: nothing is known, whatever the address
    if (family === 6 && this.info.ipVersion === 4) return this.#null(0);
    let record: CityResponse | null;
    let depth: number;
    try {
      [record, depth] = this.#reader.getWithPrefixLength(family === 4 ? v4Text(bytes) : v6Text(bytes));
    } catch {
      this.#errors++;
      return this.#null(0);
    }
    // mmdb-lib counts IPv4 depth from the IPv4 subtree; a reader that counted from the IPv6
    // root (::a.b.c.d) would report 96 more
    if (family === 4 && depth > 32) depth -= 96;
    const prefix = Math.max(0, Math.min(bits, depth));
    const location = record ? toLocation(record) : null;
    return location ? Object.freeze({ location, prefix }) : this.#null(prefix);
  }

  #null(prefix: number): GeoLookup {
    return (this.#nulls[prefix] ??= Object.freeze({ location: null, prefix }));
  }
}

/** The parts of a GeoIP2 record steering uses; null when there are none. */
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

/** Build a maxmind Reader and check what its constructor does not; MeridianError when broken. */
function openReader(buf: Buffer, name: string): Reader<CityResponse> {
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
    for (const probe of m.ipVersion === 6 ? ['1.1.1.1', '8.8.8.8', '2001:4860::', '2a00::'] : ['1.1.1.1', '8.8.8.8']) reader.getWithPrefixLength(probe);
  } catch (e) {
    throw invalid(name, `a test lookup failed (${(e as Error).message}): corrupt`);
  }
  return reader;
}

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

function v4Text(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Eight uncompressed groups: what mmdb-lib's parser reads back fastest and without ambiguity. */
function v6Text(b: Uint8Array): string {
  let s = ((b[0] << 8) | b[1]).toString(16);
  for (let i = 2; i < 16; i += 2) s += ':' + ((b[i] << 8) | b[i + 1]).toString(16);
  return s;
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
