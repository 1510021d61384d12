/**
 * Parse an incoming DNS query. Hand-written rather than dns-packet's decode: this runs for every
 * packet, and we need only the header, the question and the OPT record, with the question name's
 * original bytes kept (0x20 case echo) and a lower-case key for lookups. Pure: reports facts
 * (counts, opcode, malformation); the pipeline's validate stage decides the response code.
 */
import type { NameKey } from './name.js';
import { parseEcs, type Ecs } from './ecs.js';

export const OPT_NSID = 3;
export const OPT_ECS = 8;

export interface Edns {
  /** requestor's UDP payload size (values under 512 are treated as 512) */
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  /** the query asked for NSID (RFC 5001) */
  nsid: boolean;
  /** EDNS Client Subnet option, or null; `ecsError` says why it was rejected */
  ecs: Ecs | null;
  ecsError: string | null;
}

export interface Query {
  id: number;
  /** raw second header word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE) */
  flags: number;
  opcode: number;
  qdcount: number;
  /** question name, wire form as sent (case kept, uncompressed); empty when there is no question */
  qname: Buffer;
  /** lower-cased wire form as a latin1 string, for lookups */
  qkey: NameKey;
  qtype: number;
  qclass: number;
  edns: Edns | null;
  /** number of OPT records seen (more than one is FORMERR) */
  optCount: number;
  /** why the packet is malformed past the header, or null */
  malformed: string | null;
}

const EMPTY = Buffer.alloc(0);

/** Read a possibly-compressed name at `off`; returns end offset in the packet (after the name). */
function skipName(buf: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= buf.length) return -1;
    const len = buf[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1;
    if (len > 63) return -1;
    off += len + 1;
  }
  return -1;
}

/**
 * Returns null when the packet must be dropped silently: shorter than a header, or a response
 * (QR set) — answering responses is how reflection loops start.
 */
export function parseQuery(buf: Buffer): Query | null {
  if (buf.length < 12) return null;
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return null;
  const q: Query = {
    id: buf.readUInt16BE(0),
    flags,
    opcode: (flags >> 11) & 0xf,
    qdcount: buf.readUInt16BE(4),
    qname: EMPTY,
    qkey: '',
    qtype: 0,
    qclass: 0,
    edns: null,
    optCount: 0,
    malformed: null,
  };
  if (q.qdcount !== 1) return q; // FORMERR (or NOTIMP) decided by the pipeline; nothing more to read
  let off = readQuestion(buf, 12, q);
  if (off < 0) {
    q.malformed = 'question is truncated or its name is malformed';
    q.qname = EMPTY;
    return q;
  }
  const ancount = buf.readUInt16BE(6);
  const nscount = buf.readUInt16BE(8);
  const arcount = buf.readUInt16BE(10);
  for (let i = 0; i < ancount + nscount + arcount; i++) {
    const nameEnd = skipName(buf, off);
    if (nameEnd < 0 || nameEnd + 10 > buf.length) {
      q.malformed = 'resource record is truncated';
      return q;
    }
    const type = buf.readUInt16BE(nameEnd);
    const rdlen = buf.readUInt16BE(nameEnd + 8);
    const rdStart = nameEnd + 10;
    if (rdStart + rdlen > buf.length) {
      q.malformed = 'RDATA runs past the end of the packet';
      return q;
    }
    if (type === 41) {
      if (i < ancount + nscount || buf[off] !== 0) {
        q.malformed = 'OPT record outside the additional section or not at the root';
        return q;
      }
      q.optCount++;
      if (q.optCount === 1) {
        const err = readOpt(buf, nameEnd, rdStart, rdlen, q);
        if (err) {
          q.malformed = err;
          return q;
        }
      }
    }
    off = rdStart + rdlen;
  }
  if (off !== buf.length) q.malformed = 'trailing bytes after the last record';
  return q;
}

/** Parse the question at `off` into q; returns the offset after it or -1. */
function readQuestion(buf: Buffer, off: number, q: Query): number {
  const start = off;
  let ascii = true;
  let compressed = false;
  let p = off;
  let end = -1;
  let total = 0;
  let terminated = false;
  for (let guard = 0; guard < 128; guard++) {
    if (p >= buf.length) return -1;
    const len = buf[p];
    if (len === 0) {
      if (!compressed) end = p + 1;
      total += 1;
      terminated = true;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= buf.length) return -1;
      const ptr = ((len & 0x3f) << 8) | buf[p + 1];
      if (!compressed) end = p + 2;
      compressed = true;
      if (ptr >= p) return -1; // pointers only point backwards
      p = ptr;
      continue;
    }
    if (len > 63 || p + 1 + len > buf.length) return -1;
    for (let i = p + 1; i <= p + len; i++) if (buf[i] >= 0x80) ascii = false;
    total += len + 1;
    if (total > 255) return -1;
    p += len + 1;
  }
  // no root label within the guard: a pointer loop (labels, then a pointer back to them)
  if (!terminated || end < 0 || end + 4 > buf.length) return -1;
  if (compressed) {
    // rare in queries: rebuild an uncompressed copy
    const parts: Buffer[] = [];
    let r = start;
    for (;;) {
      const len = buf[r];
      if (len === 0) break;
      if ((len & 0xc0) === 0xc0) {
        r = ((len & 0x3f) << 8) | buf[r + 1];
        continue;
      }
      parts.push(buf.subarray(r, r + len + 1));
      r += len + 1;
    }
    parts.push(Buffer.from([0]));
    q.qname = Buffer.concat(parts);
  } else {
    q.qname = buf.subarray(start, end); // a view: the packet outlives the query's handling
  }
  q.qkey = ascii ? q.qname.toString('latin1').toLowerCase() : lowerKey(q.qname);
  q.qtype = buf.readUInt16BE(end);
  q.qclass = buf.readUInt16BE(end + 2);
  return end + 4;
}

function lowerKey(wire: Buffer): NameKey {
  let s = '';
  for (let i = 0; i < wire.length; i++) {
    const c = wire[i];
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return s;
}

function readOpt(buf: Buffer, nameEnd: number, rdStart: number, rdlen: number, q: Query): string | null {
  const udp = buf.readUInt16BE(nameEnd + 2);
  const ttl = buf.readUInt32BE(nameEnd + 4);
  const edns: Edns = {
    udpSize: udp < 512 ? 512 : udp,
    version: (ttl >>> 16) & 0xff,
    dnssecOk: (ttl & 0x8000) !== 0,
    nsid: false,
    ecs: null,
    ecsError: null,
  };
  q.edns = edns;
  let p = rdStart;
  const end = rdStart + rdlen;
  while (p < end) {
    if (p + 4 > end) return 'EDNS option header is truncated';
    const code = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    if (p + 4 + len > end) return 'EDNS option runs past the OPT record';
    if (code === OPT_NSID) edns.nsid = true;
    else if (code === OPT_ECS) {
      if (edns.ecs || edns.ecsError) edns.ecsError = 'more than one CLIENT-SUBNET option';
      else {
        const r = parseEcs(buf.subarray(p + 4, p + 4 + len));
        if (typeof r === 'string') edns.ecsError = r;
        else edns.ecs = r;
      }
    }
    p += 4 + len;
  }
  return null;
}
