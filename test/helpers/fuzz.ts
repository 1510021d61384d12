/**
 * Fuzzing tools for test/malformed.test.ts: seeded random and mutated queries, a UDP sender that
 * matches replies to packets, and a structural check that a reply is a well-formed DNS message.
 * The same seed gives the same packets on every run, so a failure can be replayed.
 */
import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { CLASS, OPCODE, TYPE, ecsData, message, opt, prng, question } from './raw.js';

type Rand = ReturnType<typeof prng>;

/** Valid queries the mutations start from: plain, EDNS with DO / NSID / ECS, CHAOS, ANY, pools. */
function seeds(): Buffer[] {
  const ecs4 = { code: 8, data: ecsData(1, 24, 0, [198, 51, 100]) };
  const ecs6 = { code: 8, data: ecsData(2, 56, 0, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0]) };
  const nsid = { code: 3, data: Buffer.alloc(0) };
  return [
    message({ rd: true, question: question('www.lb.example.test') }),
    message({ question: question('docs.lb.example.test'), additional: [opt()] }),
    message({ question: question('nope.lb.example.test', TYPE.AAAA), additional: [opt({ dnssecOk: true, options: [nsid] })] }),
    message({ question: question('api.pool.test'), additional: [opt({ options: [ecs4] })] }),
    message({ question: question('api.pool.test', TYPE.AAAA), additional: [opt({ udp: 512, options: [ecs6, nsid] })] }),
    message({ question: question('x.apps.lb.example.test', TYPE.ANY) }),
    message({ question: question('lb.example.test', TYPE.NS), additional: [opt({ udp: 4096 })] }),
    message({ question: question('version.bind', TYPE.TXT, CLASS.CH) }),
    message({ question: question('www.child.lb.example.test', TYPE.MX) }),
    message({ question: question('loop1.lb.example.test') }),
    message({ question: Buffer.from([0xc0, 0, 0, 1, 0, 1]) }),
    message({ question: question('www.lb.example.test'), additional: [opt(), opt({ version: 1 })] }),
    message({ opcode: OPCODE.NOTIFY, question: question('lb.example.test', TYPE.SOA) }),
  ];
}

/** Where the (uncompressed) question name of a seed ends. */
function nameEnd(b: Buffer): number {
  let o = 12;
  while (o < b.length && b[o] !== 0 && b[o] < 0xc0) o += b[o] + 1;
  return Math.min(o + 1, b.length);
}

function mutateOnce(r: Rand, p: Buffer): Buffer {
  let b = Buffer.from(p);
  const at = () => r.int(Math.max(b.length, 1));
  switch (r.int(11)) {
    case 0: // bit flips
      for (let k = r.int(8) + 1; k > 0 && b.length; k--) b[at()] ^= 1 << r.int(8);
      break;
    case 1: // truncation
      b = b.subarray(0, r.int(b.length + 1));
      break;
    case 2: // counts: huge, zero, or a lie
      if (b.length >= 12) b.writeUInt16BE([0xffff, 0, 2, r.int(0x10000)][r.int(4)], 4 + 2 * r.int(4));
      break;
    case 3: // a length field (label, RDLENGTH, option length) pointing past the end
      if (b.length > 13) {
        const o = 12 + r.int(b.length - 13);
        if (r.int(2)) b[o] = [63, 62, 0x3f, 0xff][r.int(4)];
        else b.writeUInt16BE([0xffff, 0xfffe, b.length, 0x200][r.int(4)], o);
      }
      break;
    case 4: { // compression pointers: loops, self, forward, random
      const loops = [[1, 0x61, 0xc0, 12], [0xc0, 12], [2, 0x61, 0x62, 0xc0, 13], [0xc0, 14, 0xc0, 12], [0xc0 | r.int(64), r.int(256)]];
      b = Buffer.concat([b.subarray(0, 12), Buffer.from(loops[r.int(loops.length)]), b.subarray(nameEnd(b))]);
      break;
    }
    case 5: // overwrite a run with random bytes
      if (b.length) {
        const o = at();
        r.bytes(r.int(16) + 1).copy(b, o);
      }
      break;
    case 6: { // insert random bytes
      const o = at();
      b = Buffer.concat([b.subarray(0, o), r.bytes(r.int(32) + 1), b.subarray(o)]);
      break;
    }
    case 7: // garbage at the end, sometimes a lot
      b = Buffer.concat([b, r.bytes(r.int(10) === 0 ? 2000 + r.int(6000) : r.int(100) + 1)]);
      break;
    case 8: // sections repeated
      b = Buffer.concat([b, b.subarray(12)]);
      break;
    case 9: { // still well-formed: another qtype and qclass
      const o = nameEnd(b);
      if (o + 4 <= b.length) {
        b.writeUInt16BE([r.int(0x10000), 0, 1, 2, 5, 6, 15, 16, 28, 33, 41, 251, 252, 255][r.int(14)], o);
        b.writeUInt16BE([r.int(0x10000), 1, 1, 3, 4, 254, 255][r.int(7)], o + 2);
      }
      break;
    }
    default: // still well-formed: random bytes inside the labels (case, non-ASCII, dots)
      for (let o = 12; o < b.length && b[o] !== 0 && b[o] < 0x40; o += b[o] + 1) {
        for (let i = o + 1; i <= o + b[o] && i < b.length; i++) if (r.int(3) === 0) b[i] = r.int(256);
      }
  }
  return b;
}

/** `n` packets: a quarter random bytes, the rest mutated seeds; IDs are the packet's index. */
export function fuzzPackets(seed: number, n: number): Buffer[] {
  const r = prng(seed);
  const base = seeds();
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    let b: Buffer;
    if (r.int(4) === 0) b = r.bytes(r.int(r.int(20) === 0 ? 4000 : 700));
    else {
      b = mutateOnce(r, base[r.int(base.length)]);
      while (r.int(3) === 0) b = mutateOnce(r, b);
    }
    // mostly queries with opcode QUERY, so the parser and the whole query path run
    if (b.length >= 3 && r.int(10) !== 0) b[2] &= r.int(4) === 0 ? 0x7f : 0x07;
    if (b.length >= 2) b.writeUInt16BE(i & 0xffff, 0);
    out.push(b);
  }
  return out;
}

/** True for what the server must answer: a readable header and QR clear. */
export function deservesReply(p: Buffer): boolean {
  return p.length >= 12 && (p[2] & 0x80) === 0;
}

/** Length of a (possibly compressed) name at `off`, or -1; pointers must point backwards. */
function skipName(b: Buffer, off: number): number {
  let end = -1;
  let p = off;
  for (let hops = 0; hops < 128; hops++) {
    if (p >= b.length) return -1;
    const len = b[p];
    if (len === 0) return end < 0 ? p + 1 : end;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= b.length) return -1;
      const ptr = ((len & 0x3f) << 8) | b[p + 1];
      if (ptr >= p) return -1;
      if (end < 0) end = p + 2;
      p = ptr;
      continue;
    }
    if (len > 63) return -1;
    p += len + 1;
  }
  return -1;
}

/** A reply is a response whose sections parse to exactly its length (and dns-packet reads it). */
export function wellFormedReply(b: Buffer): boolean {
  if (b.length < 12 || (b[2] & 0x80) === 0) return false;
  let off = 12;
  for (let i = b.readUInt16BE(4); i > 0; i--) {
    off = skipName(b, off);
    if (off < 0 || off + 4 > b.length) return false;
    off += 4;
  }
  const rrs = b.readUInt16BE(6) + b.readUInt16BE(8) + b.readUInt16BE(10);
  for (let i = 0; i < rrs; i++) {
    off = skipName(b, off);
    if (off < 0 || off + 10 > b.length) return false;
    off += 10 + b.readUInt16BE(off + 8);
    if (off > b.length) return false;
  }
  if (off !== b.length) return false;
  try {
    dnsPacket.decode(b);
  } catch {
    return false;
  }
  return true;
}

/**
 * Send the packets over one UDP socket in bursts of 100, waiting after each for the replies it
 * deserves; `between` runs every 10 bursts. Returns counts and every reply that did not match
 * (unknown ID, duplicate, malformed, opcode or RD not echoed).
 */
export async function sendUdpBatch(
  port: number,
  packets: Buffer[],
  between: () => Promise<void>,
): Promise<{ replies: number; expected: number; mismatched: string[] }> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const byId = new Map<number, Buffer>();
  const seen = new Set<number>();
  const mismatched: string[] = [];
  let replies = 0;
  let wake: (() => void) | null = null;
  sock.on('message', (m) => {
    replies++;
    const id = m.length >= 2 ? m.readUInt16BE(0) : -1;
    const sent = byId.get(id);
    const why = !sent ? 'unknown id' : seen.has(id) ? 'second reply'
      : !wellFormedReply(m) ? 'malformed reply'
      : ((m[2] >> 3) & 0xf) !== ((sent[2] >> 3) & 0xf) ? 'opcode not echoed'
      : (m[2] & 1) !== (sent[2] & 1) ? 'RD not echoed' : '';
    if (why) mismatched.push(`${why}: query ${sent?.toString('hex') ?? '?'} → reply ${m.toString('hex')}`);
    seen.add(id);
    wake?.();
  });
  let expected = 0;
  try {
    for (let i = 0; i < packets.length; i += 100) {
      const burst = packets.slice(i, i + 100);
      for (const p of burst) {
        if (p.length >= 2) byId.set(p.readUInt16BE(0), p);
        if (deservesReply(p)) expected++;
        await new Promise<void>((r, j) => sock.send(p, port, '127.0.0.1', (e) => (e ? j(e) : r())));
      }
      const deadline = Date.now() + 3000;
      while (replies < expected && Date.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      if ((i / 100) % 10 === 9) await between();
    }
    await new Promise((r) => setTimeout(r, 100)); // late or extra replies
  } finally {
    sock.close();
  }
  return { replies, expected, mismatched };
}
