/**
 * The two parts of a MaxMind DB file (format 2.0, https://maxmind.github.io/MaxMind-DB/) that a
 * lookup needs, read straight from the bytes: the search tree (address bits → the offset of a
 * record, and the depth where the tree said so) and a decoder that takes only the fields steering
 * uses out of a record and skips over the rest.
 *
 * Why not the `maxmind` package's Reader: its lookups take the address as text (formatted by us,
 * parsed again by it) and decode the whole record, every localised name of the city, its
 * subdivisions, country and continent (about 15 µs for a GeoLite2 City record), to keep five
 * fields; and it does not say which record it found, so networks that share a record (most do)
 * cannot share its decoding. The package still parses and checks the metadata when a file opens.
 */
import { isValidPoint } from './distance.js';
import type { GeoLocation } from './types.js';

/** What the tree walk found: the record's offset in the file (-1: no data), and where. */
export interface TreeHit {
  readonly record: number;
  /** address bits read: the prefix length of the network the answer holds for */
  readonly depth: number;
}

/** The metadata the tree walk needs (as the `maxmind` package parses it). */
export interface TreeShape {
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly ipVersion: number;
  readonly searchTreeSize: number;
}

/** 16 zero bytes between the search tree and the data section */
const SEPARATOR = 16;

/** The search tree of a database held in memory. */
export class SearchTree {
  readonly #buf: Buffer;
  readonly #nodeCount: number;
  readonly #nodeBytes: number;
  readonly #recordSize: number;
  /** the file offset of record value `nodeCount + 16` (the data section's first byte) minus that value */
  readonly #recordBase: number;
  /** where IPv4 addresses start: the node after 96 zero bits (the root of an IPv4 database) */
  readonly #ipv4Start: number;

  constructor(buf: Buffer, shape: TreeShape) {
    if (shape.recordSize !== 24 && shape.recordSize !== 28 && shape.recordSize !== 32) throw new RangeError(`record size ${shape.recordSize} is not 24, 28 or 32`);
    if (shape.nodeCount * (shape.recordSize / 4) !== shape.searchTreeSize || shape.searchTreeSize + SEPARATOR > buf.length) {
      throw new RangeError(`a search tree of ${shape.nodeCount} nodes does not fit the file`);
    }
    this.#buf = buf;
    this.#nodeCount = shape.nodeCount;
    this.#recordSize = shape.recordSize;
    this.#nodeBytes = shape.recordSize / 4;
    // a record value v > nodeCount points at data section offset v - nodeCount - 16
    this.#recordBase = shape.searchTreeSize - shape.nodeCount;
    let node = 0;
    if (shape.ipVersion === 6) for (let i = 0; i < 96 && node < shape.nodeCount; i++) node = this.#child(node, 0);
    this.#ipv4Start = node;
  }

  /**
   * Walk the tree along `bytes`: 4 bytes from the IPv4 start node (depth in IPv4 bits), 16 from
   * the root. The caller keeps IPv6 addresses away from an IPv4 database.
   */
  find(bytes: Uint8Array): TreeHit {
    const count = this.#nodeCount;
    const bits = bytes.length * 8;
    let node = bytes.length === 4 ? this.#ipv4Start : 0;
    let depth = 0;
    for (; depth < bits && node < count; depth++) node = this.#child(node, (bytes[depth >> 3] >> (7 - (depth & 7))) & 1);
    // the node count itself means "no data"; a larger value points into the data section
    return { record: node > count ? node + this.#recordBase : -1, depth };
  }

  /** The left (bit 0) or right (bit 1) record of `node` (< nodeCount, so inside the tree). */
  #child(node: number, bit: number): number {
    const b = this.#buf;
    const at = node * this.#nodeBytes;
    if (this.#recordSize === 24) return bit ? (b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5] : (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
    if (this.#recordSize === 28) {
      // the middle byte holds the top 4 bits of both records, the left one's in its high half
      return bit
        ? ((b[at + 3] & 0x0f) << 24) | (b[at + 4] << 16) | (b[at + 5] << 8) | b[at + 6]
        : ((b[at + 3] & 0xf0) << 20) | (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
    }
    return b.readUInt32BE(bit ? at + 4 : at);
  }
}

// ------------------------------------------------------------------------------------ data section

const T_EXTENDED = 0;
const T_POINTER = 1;
const T_STRING = 2;
const T_DOUBLE = 3;
const T_UINT16 = 5;
const T_UINT32 = 6;
const T_MAP = 7;
const T_INT32 = 8;
const T_ARRAY = 11;
const T_BOOLEAN = 14;
const T_FLOAT = 15;

/** Records nest three maps deep (city → names → en); skipping gives up far below the stack limit. */
const MAX_NESTING = 64;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K_COUNTRY = ascii('country');
const K_ISO_CODE = ascii('iso_code');
const K_CONTINENT = ascii('continent');
const K_CODE = ascii('code');
const K_LOCATION = ascii('location');
const K_LATITUDE = ascii('latitude');
const K_LONGITUDE = ascii('longitude');
const K_CITY = ascii('city');
const K_NAMES = ascii('names');
const K_EN = ascii('en');

type MutableLocation = { -readonly [K in keyof GeoLocation]: GeoLocation[K] };

/**
 * Takes `country.iso_code`, `continent.code`, `location.latitude`/`longitude` and `city.names.en`
 * (the GeoIP2 City and Country layout) out of a record, with the rules of `toLocation`, without
 * decoding anything else: other fields are skipped by their sizes, and keys are compared as
 * bytes. Throws RangeError on data that breaks the format or runs past the end of the file.
 */
export class LocationDecoder {
  readonly #buf: Buffer;
  /** pointers count from the start of the data section */
  readonly #dataStart: number;
  /** the item last opened: its type, size (entries for maps and arrays) and payload offset */
  #type = 0;
  #size = 0;
  #at = 0;
  /** one string per two-letter code, however many records carry it */
  readonly #codes = new Map<number, string>();

  constructor(buf: Buffer, searchTreeSize: number) {
    this.#buf = buf;
    this.#dataStart = searchTreeSize + SEPARATOR;
  }

  /** The location in the record at file offset `record` (from SearchTree.find); null when it has none. */
  location(record: number): GeoLocation | null {
    const loc: MutableLocation = {};
    let lat: number | undefined;
    let lon: number | undefined;
    this.#open(record);
    if (this.#type !== T_MAP) return null;
    let off = this.#at;
    for (let n = this.#size; n > 0; n--) {
      const keyAt = off;
      const valueAt = this.#skip(keyAt, 0);
      off = this.#skip(valueAt, 0);
      // as in a decoded object, the last of duplicate keys wins
      if (this.#keyIs(keyAt, K_COUNTRY)) loc.country = this.#code(this.#field(valueAt, K_ISO_CODE));
      else if (this.#keyIs(keyAt, K_CONTINENT)) loc.continent = this.#code(this.#field(valueAt, K_CODE));
      else if (this.#keyIs(keyAt, K_LOCATION)) {
        lat = this.#number(this.#field(valueAt, K_LATITUDE));
        lon = this.#number(this.#field(valueAt, K_LONGITUDE));
      } else if (this.#keyIs(keyAt, K_CITY)) {
        const names = this.#field(valueAt, K_NAMES);
        loc.city = names < 0 ? undefined : this.#string(this.#field(names, K_EN));
      }
    }
    const out: MutableLocation = {};
    if (loc.country !== undefined) out.country = loc.country;
    if (loc.continent !== undefined) out.continent = loc.continent;
    if (isValidPoint(lat, lon)) {
      out.lat = lat;
      out.lon = lon;
    }
    if (loc.city !== undefined) out.city = loc.city;
    if (out.country === undefined && out.continent === undefined && out.lat === undefined) return null;
    return Object.freeze(out);
  }

  /** Read the control bytes of the item at `offset`, following a pointer, into #type, #size, #at. */
  #open(offset: number): void {
    const ctrl = this.#byte(offset);
    if (ctrl >> 5 !== T_POINTER) return this.#header(ctrl, offset);
    const target = this.#pointer(ctrl, offset + 1);
    const tctrl = this.#byte(target);
    if (tctrl >> 5 === T_POINTER) throw new RangeError(`the pointer at ${offset} points at another pointer`);
    this.#header(tctrl, target);
  }

  /** The offset just after the item at `offset`: a pointer is its own bytes, a map or array its entries. */
  #skip(offset: number, depth: number): number {
    if (depth > MAX_NESTING) throw new RangeError(`data nested more than ${MAX_NESTING} deep at ${offset}`);
    const ctrl = this.#byte(offset);
    if (ctrl >> 5 === T_POINTER) return offset + ((ctrl >> 3) & 3) + 2;
    this.#header(ctrl, offset);
    const type = this.#type;
    let at = this.#at;
    if (type === T_BOOLEAN) return at; // the value is in the size bits
    if (type !== T_MAP && type !== T_ARRAY) return at + this.#size;
    for (let n = type === T_MAP ? 2 * this.#size : this.#size; n > 0; n--) at = this.#skip(at, depth + 1);
    return at;
  }

  /** Type and size from the control byte `ctrl` at `offset` (not a pointer). */
  #header(ctrl: number, offset: number): void {
    let type = ctrl >> 5;
    let at = offset + 1;
    if (type === T_EXTENDED) {
      type = 7 + this.#byte(at++);
      if (type < 8 || type > 15) throw new RangeError(`extended type ${type} at ${offset}`);
    }
    let size = ctrl & 0x1f;
    if (size === 29) size = 29 + this.#byte(at++);
    else if (size === 30) {
      size = 285 + ((this.#byte(at) << 8) | this.#byte(at + 1));
      at += 2;
    } else if (size === 31) {
      size = 65_821 + ((this.#byte(at) << 16) | (this.#byte(at + 1) << 8) | this.#byte(at + 2));
      at += 3;
    }
    this.#type = type;
    this.#size = size;
    this.#at = at;
  }

  /** The file offset a pointer leads to; its control byte is `ctrl`, its value bytes start at `at`. */
  #pointer(ctrl: number, at: number): number {
    const v = ctrl & 7;
    let p: number;
    switch ((ctrl >> 3) & 3) {
      case 0:
        p = (v << 8) | this.#byte(at);
        break;
      case 1:
        p = ((v << 16) | (this.#byte(at) << 8) | this.#byte(at + 1)) + 2048;
        break;
      case 2:
        p = ((v << 24) | (this.#byte(at) << 16) | (this.#byte(at + 1) << 8) | this.#byte(at + 2)) + 526_336;
        break;
      default:
        p = this.#byte(at) * 0x1000000 + ((this.#byte(at + 1) << 16) | (this.#byte(at + 2) << 8) | this.#byte(at + 3));
    }
    return this.#dataStart + p;
  }

  #byte(at: number): number {
    if (at >= this.#buf.length) throw new RangeError(`the data at ${at} runs past the end of the file`);
    return this.#buf[at];
  }

  /** Whether the map key at `offset` (a string, perhaps behind a pointer) is `want`. */
  #keyIs(offset: number, want: Uint8Array): boolean {
    this.#open(offset);
    if (this.#type !== T_STRING) throw new RangeError(`the map key at ${offset} is not a string`);
    if (this.#size !== want.length) return false;
    const b = this.#buf;
    const s = this.#at;
    for (let i = 0; i < want.length; i++) if (b[s + i] !== want[i]) return false;
    return true;
  }

  /** The offset of the value under `name` in the map at `offset` (the last, if repeated); -1 when absent or not a map. */
  #field(offset: number, name: Uint8Array): number {
    if (offset < 0) return -1;
    this.#open(offset);
    if (this.#type !== T_MAP) return -1;
    let found = -1;
    let off = this.#at;
    for (let n = this.#size; n > 0; n--) {
      const keyAt = off;
      const valueAt = this.#skip(keyAt, 1);
      off = this.#skip(valueAt, 1);
      if (this.#keyIs(keyAt, name)) found = valueAt;
    }
    return found;
  }

  /** The string at `offset` (-1: absent); undefined when not a string or empty. */
  #string(offset: number): string | undefined {
    if (offset < 0) return undefined;
    this.#open(offset);
    if (this.#type !== T_STRING || this.#size === 0) return undefined;
    this.#byte(this.#at + this.#size - 1);
    return this.#buf.toString('utf8', this.#at, this.#at + this.#size);
  }

  /** The code (string) at `offset`, upper case; two-letter codes come from a table of shared strings. */
  #code(offset: number): string | undefined {
    if (offset < 0) return undefined;
    this.#open(offset);
    if (this.#type !== T_STRING || this.#size === 0) return undefined;
    const b = this.#buf;
    const s = this.#at;
    if (this.#size !== 2) return this.#string(offset)?.toUpperCase();
    const k = (this.#byte(s) << 8) | this.#byte(s + 1);
    let code = this.#codes.get(k);
    if (code === undefined) {
      code = b.toString('utf8', s, s + 2).toUpperCase();
      this.#codes.set(k, code);
    }
    return code;
  }

  /** The number (double, float or integer) at `offset`; undefined when absent or another type. */
  #number(offset: number): number | undefined {
    if (offset < 0) return undefined;
    this.#open(offset);
    const b = this.#buf;
    const p = this.#at;
    const size = this.#size;
    if (size > 0) this.#byte(p + size - 1);
    switch (this.#type) {
      case T_DOUBLE:
        return size === 8 ? b.readDoubleBE(p) : undefined;
      case T_FLOAT:
        return size === 4 ? b.readFloatBE(p) : undefined;
      case T_UINT16:
      case T_UINT32:
        return size === 0 ? 0 : size <= 4 ? b.readUIntBE(p, size) : undefined;
      case T_INT32:
        return size === 0 ? 0 : size < 4 ? b.readUIntBE(p, size) : size === 4 ? b.readInt32BE(p) : undefined;
      default:
        return undefined;
    }
  }
}
