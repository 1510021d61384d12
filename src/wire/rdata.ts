/**
 * RDATA in both directions: zone-file presentation text -> wire bytes (names uncompressed,
 * relative names resolved against the origin) and wire bytes -> canonical presentation text,
 * the form `dig +short` prints. Every type also takes the RFC 3597 generic form `\# <len> <hex>`.
 */
import { MeridianError } from '../errors.js';
import { parseName, wireToText } from './name.js';
import {
  formatIPv4,
  formatIPv6,
  invalid,
  parseCharStrings,
  parseIPv4,
  parseIPv6,
  parseUint,
  quoteText,
  splitText,
} from './rdata-text.js';
import { TYPES, typeCode, typeName } from './types.js';

export interface EncodedRdata {
  rdata: Buffer;
  /** canonical presentation form, names absolute */
  text: string;
  /** NS, CNAME, PTR, MX, SRV: the absolute target name (absent for the "." of a null MX / SRV) */
  target?: string;
}

type Encoder = (data: string, origin: string) => EncodedRdata;

const U16 = 0xffff;
const U32 = 0xffffffff;

/** Types that exist only in messages, never in zone data. */
const META_TYPES = new Set<number>([TYPES.OPT, TYPES.ANY, TYPES.AXFR, TYPES.IXFR]);

function fields(data: string, type: string, names: string[]): string[] {
  const parts = data.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length !== names.length) {
    throw invalid(`${type} needs ${names.length} fields (${names.join(' ')}), got ${parts.length}: "${data}"`);
  }
  return parts;
}

function name(text: string, origin: string): { wire: Buffer; text: string } {
  try {
    const wire = parseName(text, origin);
    return { wire, text: wireToText(wire) };
  } catch (e) {
    if (e instanceof MeridianError) throw invalid(e.message);
    throw e;
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function target(text: string): string | undefined {
  return text === '.' ? undefined : text;
}

function nameOnly(type: string): Encoder {
  return (data, origin) => {
    const n = name(fields(data, type, ['target'])[0], origin);
    return { rdata: n.wire, text: n.text, target: n.text };
  };
}

function charStrings(pieces: Buffer[]): { rdata: Buffer; text: string } {
  return { rdata: Buffer.concat(pieces.flatMap((p) => [Buffer.from([p.length]), p])), text: pieces.map(quoteText).join(' ') };
}

const encoders: Record<string, Encoder> = {
  A(data) {
    const bytes = parseIPv4(data.trim());
    if (!bytes) throw invalid(`"${data}" is not an IPv4 address`);
    return { rdata: bytes, text: formatIPv4(bytes) };
  },
  AAAA(data) {
    const bytes = parseIPv6(data.trim());
    if (!bytes) throw invalid(`"${data}" is not an IPv6 address`);
    return { rdata: bytes, text: formatIPv6(bytes) };
  },
  NS: nameOnly('NS'),
  CNAME: nameOnly('CNAME'),
  PTR: nameOnly('PTR'),
  MX(data, origin) {
    const [pref, host] = fields(data, 'MX', ['preference', 'exchange']);
    const n = name(host, origin);
    const p = parseUint(pref, U16, 'MX preference');
    return { rdata: Buffer.concat([u16(p), n.wire]), text: `${p} ${n.text}`, target: target(n.text) };
  },
  SRV(data, origin) {
    const [prio, weight, port, host] = fields(data, 'SRV', ['priority', 'weight', 'port', 'target']);
    const nums = [parseUint(prio, U16, 'SRV priority'), parseUint(weight, U16, 'SRV weight'), parseUint(port, U16, 'SRV port')];
    const n = name(host, origin);
    return { rdata: Buffer.concat([...nums.map(u16), n.wire]), text: `${nums.join(' ')} ${n.text}`, target: target(n.text) };
  },
  SOA(data, origin) {
    const f = fields(data, 'SOA', ['mname', 'rname', 'serial', 'refresh', 'retry', 'expire', 'minimum']);
    const mname = name(f[0], origin);
    const rname = name(f[1], origin);
    const what = ['serial', 'refresh', 'retry', 'expire', 'minimum'];
    const nums = f.slice(2).map((t, i) => parseUint(t, U32, `SOA ${what[i]}`));
    return {
      rdata: Buffer.concat([mname.wire, rname.wire, ...nums.map(u32)]),
      text: `${mname.text} ${rname.text} ${nums.join(' ')}`,
    };
  },
  TXT(data) {
    // Quoted: one or more character-strings. Bare: the whole string is one text value.
    const values = data.trimStart().startsWith('"') ? parseCharStrings(data) : [Buffer.from(data, 'utf8')];
    return charStrings(values.flatMap(splitText));
  },
  HINFO(data) {
    const parts = parseCharStrings(data);
    if (parts.length !== 2) throw invalid(`HINFO needs 2 character-strings (cpu os), got ${parts.length}: ${JSON.stringify(data)}`);
    const long = parts.find((p) => p.length > 255);
    if (long) throw invalid(`HINFO field is ${long.length} bytes long (at most 255)`);
    return charStrings(parts);
  },
  CAA(data) {
    const m = /^\s*(\S+)\s+(\S+)\s+(.*?)\s*$/s.exec(data);
    if (!m) throw invalid(`CAA needs flags, tag and value (e.g. 0 issue "ca.example"), got "${data}"`);
    const flags = parseUint(m[1], 255, 'CAA flags');
    const tag = m[2];
    if (!/^[A-Za-z0-9]{1,15}$/.test(tag)) throw invalid(`CAA tag "${tag}" must be 1 to 15 letters or digits`);
    const raw = m[3];
    let value: Buffer;
    if (raw.startsWith('"')) {
      const parts = parseCharStrings(raw);
      if (parts.length !== 1 || !raw.endsWith('"')) throw invalid(`CAA value must be one quoted string, got ${raw}`);
      value = parts[0];
    } else value = Buffer.from(raw, 'utf8');
    return {
      rdata: Buffer.concat([Buffer.from([flags, tag.length]), Buffer.from(tag, 'latin1'), value]),
      text: `${flags} ${tag} ${quoteText(value)}`,
    };
  },
};

/** RFC 3597 `\# <length> <hex>`; undefined when `data` is not in that form. */
function parseGeneric(data: string): Buffer | undefined {
  const m = /^\s*\\#\s+(\d+)((?:\s+[0-9A-Fa-f]+)*)\s*$/.exec(data);
  if (!m) {
    if (/^\s*\\#(\s|$)/.test(data)) throw invalid(`generic RDATA must be "\\# <length> <hex>", got "${data}"`);
    return undefined;
  }
  const hex = m[2].replace(/\s+/g, '');
  if (hex.length % 2) throw invalid(`generic RDATA has an odd number of hex digits`);
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== Number(m[1])) throw invalid(`generic RDATA says ${m[1]} bytes but has ${bytes.length}`);
  return bytes;
}

/** Type code of a type that may appear in zone data; RDATA_INVALID for unknown and meta types. */
export function zoneTypeCode(type: string): number {
  const code = typeCode(type);
  if (code === undefined) throw invalid(`unknown record type "${type}"`);
  if (META_TYPES.has(code)) throw invalid(`type ${typeName(code)} cannot appear in zone data`);
  return code;
}

/**
 * Presentation `data` of type `type` (mnemonic or TYPEnnn) -> wire RDATA and canonical text.
 * Throws MeridianError RDATA_INVALID with a message that quotes the offending value.
 */
export function encodeRdata(type: string, data: string, origin: string): EncodedRdata {
  const code = zoneTypeCode(type);
  const mnemonic = typeName(code);
  const encoder = Object.hasOwn(encoders, mnemonic) ? encoders[mnemonic] : undefined;
  const generic = parseGeneric(data);
  if (generic) {
    if (!encoder) return { rdata: generic, text: decodeRdata(code, generic) };
    // A known type in generic form: check it decodes, then take the canonical path.
    return encoder(decodeRdata(code, generic), '.');
  }
  if (!encoder) throw invalid(`type ${mnemonic} must be written in the generic form "\\# <length> <hex>"`);
  if (data.length > 65535) throw invalid(`${mnemonic} data is too long`);
  const out = encoder(data, origin);
  if (out.rdata.length > 65535) throw invalid(`${mnemonic} RDATA is ${out.rdata.length} bytes (at most 65535)`);
  return out;
}

/** Sequential reader over uncompressed RDATA; every overrun throws RDATA_INVALID. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw invalid(`RDATA ends early (${this.buf.length} bytes)`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    this.pos += 2;
    return this.buf.readUInt16BE(this.pos - 2);
  }
  u32(): number {
    this.need(4);
    this.pos += 4;
    return this.buf.readUInt32BE(this.pos - 4);
  }
  bytes(n: number): Buffer {
    this.need(n);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }
  rest(): Buffer {
    return this.bytes(this.buf.length - this.pos);
  }
  name(): string {
    const start = this.pos;
    for (;;) {
      const len = this.u8();
      if (len === 0) break;
      if (len & 0xc0) throw invalid('compressed or extended label in RDATA');
      this.bytes(len);
    }
    if (this.pos - start > 255) throw invalid('name in RDATA longer than 255 bytes');
    return wireToText(this.buf.subarray(start, this.pos));
  }
  charString(): Buffer {
    return this.bytes(this.u8());
  }
  done(): boolean {
    return this.pos >= this.buf.length;
  }
}

const decoders: Record<number, (r: Reader) => string> = {
  [TYPES.A]: (r) => formatIPv4(r.bytes(4)),
  [TYPES.AAAA]: (r) => formatIPv6(r.bytes(16)),
  [TYPES.NS]: (r) => r.name(),
  [TYPES.CNAME]: (r) => r.name(),
  [TYPES.PTR]: (r) => r.name(),
  [TYPES.MX]: (r) => `${r.u16()} ${r.name()}`,
  [TYPES.SRV]: (r) => `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`,
  [TYPES.SOA]: (r) => `${r.name()} ${r.name()} ${[r.u32(), r.u32(), r.u32(), r.u32(), r.u32()].join(' ')}`,
  [TYPES.HINFO]: (r) => `${quoteText(r.charString())} ${quoteText(r.charString())}`,
  [TYPES.TXT]: (r) => {
    const parts: string[] = [];
    do parts.push(quoteText(r.charString()));
    while (!r.done());
    return parts.join(' ');
  },
  [TYPES.CAA]: (r) => {
    const flags = r.u8();
    const tag = r.bytes(r.u8()).toString('latin1');
    return `${flags} ${tag} ${quoteText(r.rest())}`;
  },
};

/** Wire RDATA of type `type` -> canonical presentation text; unknown types as `\# <len> <HEX>`. */
export function decodeRdata(type: number, rdata: Buffer): string {
  const decode = Object.hasOwn(decoders, type) ? decoders[type] : undefined;
  if (!decode) return rdata.length ? `\\# ${rdata.length} ${rdata.toString('hex').toUpperCase()}` : '\\# 0';
  const r = new Reader(rdata);
  const text = decode(r);
  if (!r.done()) throw invalid(`${typeName(type)} RDATA has ${rdata.length - r.pos} trailing bytes`);
  return text;
}
