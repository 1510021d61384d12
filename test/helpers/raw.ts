/**
 * Hand-built DNS messages and header reading, for what dig, kdig and dns-packet will not send:
 * odd opcodes and counts, several OPT records, broken ECS options, names with pointer loops.
 * Also a node:dns Resolver aimed at a test server, and a seeded PRNG for fuzzing.
 *
 *   const q = message({ id: 0xbeef, rd: true, question: question('wWw.Lb.ExAmPlE.tEsT', 1) });
 *   const h = readHeader(await sendUdp(port, q));   // { id, flags: Set {'qr','aa','rd'}, rcode: 'NOERROR', … }
 */
import { Resolver } from 'node:dns/promises';

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, AXFR: 252, ANY: 255 } as const;
export const CLASS = { IN: 1, CH: 3, HS: 4, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** Uncompressed wire form of a presentation name, letter case kept ("." = root). */
export function wireName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** A question entry: name, type, class. */
export function question(name: string, type: number = TYPE.A, klass: number = CLASS.IN): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([wireName(name), tail]);
}

export interface OptFields {
  udp?: number;
  version?: number;
  extRcode?: number;
  dnssecOk?: boolean;
  options?: { code: number; data: Buffer }[];
}

/** An OPT pseudo-record (RFC 6891) for the additional section. */
export function opt(f: OptFields = {}): Buffer {
  const opts = Buffer.concat(
    (f.options ?? []).map((o) => {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(o.code, 0);
      h.writeUInt16BE(o.data.length, 2);
      return Buffer.concat([h, o.data]);
    }),
  );
  const rr = Buffer.alloc(11);
  rr[0] = 0;
  rr.writeUInt16BE(TYPE.OPT, 1);
  rr.writeUInt16BE(f.udp ?? 1232, 3);
  rr[5] = f.extRcode ?? 0;
  rr[6] = f.version ?? 0;
  rr.writeUInt16BE(f.dnssecOk ? 0x8000 : 0, 7);
  rr.writeUInt16BE(opts.length, 9);
  return Buffer.concat([rr, opts]);
}

/** ECS option data (RFC 7871) exactly as given: no masking, no length checks. */
export function ecsData(family: number, source: number, scope: number, address: number[]): Buffer {
  return Buffer.from([family >> 8, family & 0xff, source, scope, ...address]);
}

export interface MessageFields {
  id?: number;
  qr?: boolean;
  opcode?: number;
  rd?: boolean;
  cd?: boolean;
  /** header counts; by default the number of entries given below */
  qdcount?: number;
  ancount?: number;
  nscount?: number;
  arcount?: number;
  question?: Buffer | Buffer[];
  /** raw additional records (e.g. opt()) */
  additional?: Buffer[];
  /** bytes appended after everything */
  trailing?: Buffer;
}

/** A whole message from parts; counts default to what is given but can lie. */
export function message(f: MessageFields): Buffer {
  const questions = f.question === undefined ? [] : Array.isArray(f.question) ? f.question : [f.question];
  const additional = f.additional ?? [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(f.id ?? 0x1234, 0);
  const flags = (f.qr ? 0x8000 : 0) | ((f.opcode ?? 0) << 11) | (f.rd ? 0x0100 : 0) | (f.cd ? 0x0010 : 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(f.qdcount ?? questions.length, 4);
  h.writeUInt16BE(f.ancount ?? 0, 6);
  h.writeUInt16BE(f.nscount ?? 0, 8);
  h.writeUInt16BE(f.arcount ?? additional.length, 10);
  return Buffer.concat([h, ...questions, ...additional, f.trailing ?? Buffer.alloc(0)]);
}

export interface Header {
  id: number;
  opcode: number;
  /** "qr", "aa", "tc", "rd", "ra", "ad", "cd" as set */
  flags: Set<string>;
  /** header rcode only (the OPT record carries the upper bits) */
  rcode: string;
  counts: { qd: number; an: number; ns: number; ar: number };
}

/** Read a reply's header. */
export function readHeader(buf: Buffer): Header {
  const w = buf.readUInt16BE(2);
  const flags = new Set<string>();
  const bits: [string, number][] = [['qr', 0x8000], ['aa', 0x0400], ['tc', 0x0200], ['rd', 0x0100], ['ra', 0x0080], ['ad', 0x0020], ['cd', 0x0010]];
  for (const [n, b] of bits) if (w & b) flags.add(n);
  return {
    id: buf.readUInt16BE(0),
    opcode: (w >> 11) & 0xf,
    flags,
    rcode: RCODES[w & 0xf] ?? `RCODE${w & 0xf}`,
    counts: { qd: buf.readUInt16BE(4), an: buf.readUInt16BE(6), ns: buf.readUInt16BE(8), ar: buf.readUInt16BE(10) },
  };
}

/** A node:dns (c-ares) resolver that asks only the test server, once, with a short timeout. */
export function resolver(port: number, host = '127.0.0.1'): Resolver {
  const r = new Resolver({ timeout: 1500, tries: 1 });
  r.setServers([`${host}:${port}`]);
  return r;
}

/** The error code a node:dns call rejects with ("ENOTFOUND" for NXDOMAIN, "ENODATA", "EREFUSED"…). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
  return 'no error';
}

/** Small seeded PRNG (mulberry32): the same seed gives the same packets on every run. */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Buffer } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  return { next, int, bytes };
}
