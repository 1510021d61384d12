/**
 * Encode a response: header, echoed question, the Answer's sections, OPT. The only place that
 * sizes a response: UDP answers that do not fit the client's limit are truncated here (TC set,
 * answer and authority emptied), optional additional records are dropped first.
 *
 * Names are written uncompressed except that an owner equal to the question name becomes a
 * pointer to it (offset 12): that covers nearly every answer, keeps the question's letter case
 * in owners, and needs no compression table per query.
 */
import type { Answer, Placed } from './answer.js';
import type { Query } from './query.js';
import { writeEcs } from './ecs.js';

export interface EncodeOptions {
  /** payload limit for this response: 512 without EDNS, min(client, server max) with it, 65535 on TCP */
  limit: number;
  /** our advertised UDP payload size in OPT */
  ednsUdpSize: number;
  /** NSID value to return when asked (RFC 5001), or null */
  nsid: Buffer | null;
}

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const CD = 0x0010;

function rrLength(p: Placed, qkey: string): number {
  const owner = p.ownerKey === qkey ? 2 : p.ownerWire.length;
  let n = 0;
  const rdata = p.rrset.rdata;
  for (let i = 0; i < rdata.length; i++) n += owner + 10 + rdata[i].length;
  return n;
}

function writeRRset(out: Buffer, off: number, p: Placed, qkey: string): number {
  const rdata = p.rrset.rdata;
  const ptr = p.ownerKey === qkey;
  for (let i = 0; i < rdata.length; i++) {
    if (ptr) {
      out[off] = 0xc0;
      out[off + 1] = 12;
      off += 2;
    } else off += p.ownerWire.copy(out, off);
    out.writeUInt16BE(p.rrset.type, off);
    out.writeUInt16BE(p.rrset.klass ?? 1, off + 2);
    out.writeUInt32BE(p.ttl, off + 4);
    out.writeUInt16BE(rdata[i].length, off + 8);
    off += 10;
    off += rdata[i].copy(out, off);
  }
  return off;
}

/** Write as many whole RRsets of `list` as fit under `limit`; returns [offset, rr count, all fit]. */
function writeSection(out: Buffer, off: number, list: Placed[], qkey: string, limit: number, res: number[]): void {
  let count = 0;
  let i = 0;
  for (; i < list.length; i++) {
    const need = rrLength(list[i], qkey);
    if (off + need > limit) break;
    off = writeRRset(out, off, list[i], qkey);
    count += list[i].rrset.rdata.length;
  }
  res[0] = off;
  res[1] = count;
  res[2] = i; // RRsets written
}

function optLength(q: Query, a: Answer, o: EncodeOptions): number {
  const e = q.edns;
  if (!e) return 0;
  let n = 11;
  if (e.nsid && o.nsid) n += 4 + o.nsid.length;
  if (e.ecs) n += 8 + e.ecs.address.length;
  return n;
}

function writeOpt(out: Buffer, off: number, q: Query, a: Answer, o: EncodeOptions): number {
  const e = q.edns!;
  out[off] = 0;
  out.writeUInt16BE(41, off + 1);
  out.writeUInt16BE(o.ednsUdpSize, off + 3);
  out[off + 5] = (a.rcode >> 4) & 0xff; // extended rcode, upper 8 bits
  out[off + 6] = 0; // version
  out.writeUInt16BE(e.dnssecOk ? 0x8000 : 0, off + 7);
  const lenAt = off + 9;
  let p = off + 11;
  if (e.nsid && o.nsid) {
    out.writeUInt16BE(3, p);
    out.writeUInt16BE(o.nsid.length, p + 2);
    p += 4 + o.nsid.copy(out, p + 4);
  }
  if (e.ecs) p = writeEcs(out, p, e.ecs, a.ecsScope);
  out.writeUInt16BE(p - off - 11, lenAt);
  return p;
}

const tmp = [0, 0, 0];

/** Encode into `out` (at least 65535 bytes) and return the length. */
export function encodeResponse(q: Query, a: Answer, o: EncodeOptions, out: Buffer): number {
  const withQuestion = a.question && q.qname.length > 0;
  const optLen = optLength(q, a, o);
  const limit = o.limit - optLen;
  out.writeUInt16BE(q.id, 0);
  let flags = QR | (q.opcode << 11) | (q.flags & (RD | CD)) | (a.rcode & 0xf);
  if (a.aa) flags |= AA;
  let off = 12;
  if (withQuestion) {
    off += q.qname.copy(out, off);
    out.writeUInt16BE(q.qtype, off);
    out.writeUInt16BE(q.qclass, off + 2);
    off += 4;
  }
  const afterQuestion = off;
  let an = 0;
  let ns = 0;
  let ar = 0;
  let truncated = false;
  writeSection(out, off, a.answer, q.qkey, limit, tmp);
  if (tmp[2] < a.answer.length) truncated = true;
  else {
    off = tmp[0];
    an = tmp[1];
    writeSection(out, off, a.authority, q.qkey, limit, tmp);
    if (tmp[2] < a.authority.length) truncated = true;
    else {
      off = tmp[0];
      ns = tmp[1];
      writeSection(out, off, a.additional, q.qkey, limit, tmp);
      if (tmp[2] < a.requiredAdditional) truncated = true;
      else {
        off = tmp[0];
        ar = tmp[1];
      }
    }
  }
  if (truncated) {
    flags |= TC;
    off = afterQuestion;
    an = ns = ar = 0;
  }
  if (optLen) {
    off = writeOpt(out, off, q, a, o);
    ar++;
  }
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(withQuestion ? 1 : 0, 4);
  out.writeUInt16BE(an, 6);
  out.writeUInt16BE(ns, 8);
  out.writeUInt16BE(ar, 10);
  return off;
}
