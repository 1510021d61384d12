/**
 * Bad input over real sockets: FORMERR when the header is readable, silence when it is not (or
 * when QR is set), and never a crash, an internal error or a stalled client. Named cases first,
 * then thousands of random and mutated packets (fixed seed) over UDP and TCP, after which normal
 * queries must still be answered correctly and `stats.errors` must still be 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ZONE, startServer, type TestServer } from './helpers/server.js';
import { POOL_ZONE } from './helpers/zones.js';
import { encodeQuestion, query, rr, sendTcp, sendUdp } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { itWith } from './helpers/tools.js';
import { CLASS, TYPE, ecsData, message, opt, question, readHeader, resolver, wireName } from './helpers/raw.js';
import { fuzzPackets, sendUdpBatch, wellFormedReply } from './helpers/fuzz.js';

let srv: TestServer;
let port: number;

beforeAll(async () => {
  srv = await startServer([EXAMPLE_ZONE, POOL_ZONE]);
  port = srv.port;
});
afterAll(() => srv.close());

const WWW = question('www.lb.example.test', TYPE.A);

/** The reply's header, asserting there was one. */
async function udpHeader(msg: Buffer) {
  const reply = await sendUdp(port, msg);
  expect(reply, 'a reply').not.toBeNull();
  expect(wellFormedReply(reply!)).toBe(true);
  return readHeader(reply!);
}

/** FORMERR, ID echoed, no records (an OPT record allowed), no question. */
async function expectFormerr(msg: Buffer): Promise<void> {
  const h = await udpHeader(msg);
  expect(h).toMatchObject({ id: msg.readUInt16BE(0), rcode: 'FORMERR', counts: { qd: 0, an: 0, ns: 0 } });
  expect(h.flags.has('qr')).toBe(true);
}

describe('unreadable header or QR set: silence', () => {
  it.each([0, 1, 11])('%i-byte packet', async (n) => {
    const msg = message({ question: WWW }).subarray(0, n);
    expect(await sendUdp(port, msg, { timeoutMs: 300 })).toBeNull();
    if (n > 0) expect(await sendTcp(port, [msg], 1, '127.0.0.1', 300)).toEqual([]);
  });

  it('a response (QR set), even a malformed one', async () => {
    expect(await sendUdp(port, message({ qr: true, qdcount: 1 }), { timeoutMs: 300 })).toBeNull();
  });
});

describe('readable header: FORMERR', () => {
  it('header only, QDCOUNT=1, over UDP and TCP', async () => {
    const msg = message({ id: 0xabcd, rd: true, qdcount: 1 });
    await expectFormerr(msg);
    const [reply] = await sendTcp(port, [msg]);
    expect(readHeader(reply)).toMatchObject({ id: 0xabcd, rcode: 'FORMERR', flags: new Set(['qr', 'rd']) });
  });

  it('question cut short: in the name, before the type, before the class', async () => {
    const whole = message({ id: 1, question: WWW });
    for (const cut of [13, 20, whole.length - 4, whole.length - 1]) await expectFormerr(whole.subarray(0, cut));
  });

  it('label length over 63 (extended label types), name over 255 bytes', async () => {
    await expectFormerr(message({ id: 2, question: Buffer.from([0x41, ...Buffer.alloc(65, 0x61), 0, 0, 1, 0, 1]) }));
    await expectFormerr(message({ id: 3, question: Buffer.from([0x80, 0x61, 0, 0, 1, 0, 1]) }));
    const long = Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.');
    await expectFormerr(message({ id: 4, question: question(long) }));
  });

  it('compression: pointer forward, to itself, past the end, and a loop', async () => {
    const tail = [0, 1, 0, 1];
    await expectFormerr(message({ id: 5, question: Buffer.from([0xc0, 14, ...wireName('a'), ...tail]) }));
    await expectFormerr(message({ id: 6, question: Buffer.from([0xc0, 12, ...tail]) }));
    await expectFormerr(message({ id: 7, question: Buffer.from([0xff, 0xff, ...tail]) }));
    await expectFormerr(message({ id: 8, question: Buffer.from([0xc0]) }));
    // "a" then a pointer back to the start of the name: a.a.a.a… forever
    await expectFormerr(message({ id: 9, question: Buffer.from([1, 0x61, 0xc0, 12, ...tail]) }));
    await expectFormerr(message({ id: 10, question: Buffer.from([1, 0x61, 1, 0x62, 0xc0, 14, ...tail]) }));
  });

  it('a backward pointer is followed (into the header here: the name "a.")', async () => {
    // ID 0x0161 and flags 0x0000 read as the name \x01 a \x00
    const h = await udpHeader(message({ id: 0x0161, question: Buffer.from([0xc0, 0, 0, 1, 0, 1]) }));
    expect(h).toMatchObject({ rcode: 'REFUSED', counts: { qd: 1 } });
  });

  it('huge counts with nothing behind them', async () => {
    for (const [i, counts] of [{ ancount: 0xffff }, { nscount: 0xffff }, { arcount: 0xffff }, { ancount: 1, nscount: 1, arcount: 1 }].entries()) {
      await expectFormerr(message({ id: 20 + i, question: WWW, ...counts }));
    }
  });

  it('RDLENGTH, OPT RDLENGTH and option length past the end; trailing bytes', async () => {
    const o = opt({ options: [{ code: 3, data: Buffer.alloc(0) }] });
    const rdlen = Buffer.from(o);
    rdlen.writeUInt16BE(200, 9);
    await expectFormerr(message({ id: 30, question: WWW, additional: [rdlen] }));
    const optlen = Buffer.from(o);
    optlen.writeUInt16BE(50, 13);
    await expectFormerr(message({ id: 31, question: WWW, additional: [optlen] }));
    await expectFormerr(message({ id: 32, question: WWW, additional: [Buffer.concat([opt(), Buffer.from([0, 8, 0])])] }));
    await expectFormerr(message({ id: 33, question: WWW, trailing: Buffer.from([0, 0, 0]) }));
  });

  it('oversized: 4 kB over UDP and a 65535-byte TCP frame', async () => {
    await expectFormerr(message({ id: 40, question: WWW, trailing: Buffer.alloc(4000) }));
    const big = message({ id: 41, question: WWW, trailing: Buffer.alloc(65535 - 12 - WWW.length) });
    expect(big.length).toBe(65535);
    const [reply] = await sendTcp(port, [big]);
    expect(readHeader(reply)).toMatchObject({ id: 41, rcode: 'FORMERR' });
  });

  it.each([
    ['scope prefix ≠ 0', ecsData(1, 24, 24, [192, 0, 2])],
    ['source prefix over 32', ecsData(1, 33, 0, [192, 0, 2, 1, 0])],
    ['source prefix over 128 (IPv6)', ecsData(2, 129, 0, Array(17).fill(0x20))],
    ['address bits set beyond the prefix', ecsData(1, 20, 0, [192, 0, 31])],
    ['more address bytes than the prefix needs', ecsData(1, 24, 0, [192, 0, 2, 0])],
    ['fewer address bytes than the prefix needs', ecsData(1, 24, 0, [192, 0])],
    ['unknown family', ecsData(3, 0, 0, [])],
    ['shorter than 4 bytes', Buffer.from([0, 1, 24])],
  ])('bad ECS option: %s → FORMERR', async (_why, data) => {
    const msg = message({ id: 50, question: question('www.lb.example.test'), additional: [opt({ options: [{ code: 8, data }] })] });
    const h = await udpHeader(msg);
    expect(h).toMatchObject({ id: 50, rcode: 'FORMERR', counts: { an: 0, ns: 0 } });
  });

  it('a good ECS option is accepted (control)', async () => {
    const msg = message({ id: 51, question: question('www.lb.example.test'), additional: [opt({ options: [{ code: 8, data: ecsData(1, 20, 0, [192, 0, 16]) }] })] });
    expect(await udpHeader(msg)).toMatchObject({ id: 51, rcode: 'NOERROR', counts: { an: 1 } });
  });

  it('class NONE and qtype OPT', async () => {
    expect((await udpHeader(message({ question: question('www.lb.example.test', TYPE.A, 254) }))).rcode).toBe('REFUSED');
    expect((await udpHeader(message({ question: question('www.lb.example.test', TYPE.OPT, CLASS.IN) }))).rcode).toBe('FORMERR');
  });
});

describe('thousands of random and mutated packets (seed 20261125)', () => {
  it('every packet with a readable header is answered, well-formed; the rest is silence', async () => {
    const packets = fuzzPackets(20261125, 5000);
    const sent = srv.app.server.stats.received;
    const { replies, expected, mismatched } = await sendUdpBatch(port, packets, async () => {
      // another client, between bursts: answered correctly and promptly
      const r = await query(port, 'www.lb.example.test', { timeoutMs: 1000 });
      expect(r.answers?.map(rr)).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
    });
    expect(mismatched).toEqual([]);
    expect(replies).toBe(expected);
    expect(expected).toBeGreaterThan(2000);
    expect(srv.app.server.stats.received - sent).toBeGreaterThanOrEqual(packets.length);
    expect(srv.app.server.stats.errors).toBe(0);
  }, 60_000);

  it('over TCP: framed fuzz on several connections, and unframed garbage', async () => {
    const packets = fuzzPackets(7, 600);
    for (let i = 0; i < packets.length; i += 60) {
      const batch = packets.slice(i, i + 60).map((p) => p.subarray(0, 65535));
      const want = batch.filter((p) => p.length >= 12 && !(p[2] & 0x80)).length;
      const replies = await sendTcp(port, batch, want, '127.0.0.1', 3000);
      expect(replies).toHaveLength(want);
      expect(replies.every(wellFormedReply)).toBe(true);
    }
    const garbage = fuzzPackets(8, 20).map((p) => p.subarray(2)); // their length words become random
    await Promise.all(garbage.map((g) => sendTcp(port, [g], 1, '127.0.0.1', 300).catch(() => [])));
    expect(srv.app.server.stats.errors).toBe(0);
  }, 60_000);

  it('afterwards: normal queries still get correct answers, over UDP and TCP', async () => {
    expect((await query(port, 'docs.lb.example.test')).answers?.map(rr)).toEqual([
      'docs.lb.example.test. 300 IN CNAME www.lb.example.test.',
      'www.lb.example.test. 30 IN A 192.0.2.10',
    ]);
    const nx = await query(port, 'nope.lb.example.test', { tcp: true });
    expect([nx.rcode, nx.authorities?.map(rr)]).toEqual([
      'NXDOMAIN',
      ['lb.example.test. 60 IN SOA ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60'],
    ]);
    const ecs = { code: 8, data: ecsData(1, 24, 0, [198, 51, 100]) };
    const api = await query(port, 'api.pool.test', { edns: { options: [ecs] } });
    expect(api.rcode).toBe('NOERROR');
    expect(api.answers?.map(rr)).toHaveLength(1);
    expect(api.answers?.map(rr)[0]).toMatch(/^api\.pool\.test\. 20 IN A 198\.51\.100\.1[01]$/);
    const [tcp] = await sendTcp(port, [encodeQuestion('mail.lb.example.test')]);
    expect(readHeader(tcp).counts.an).toBe(1);
    expect(await resolver(port).resolveMx('lb.example.test')).toEqual([{ exchange: 'mail.lb.example.test', priority: 10 }]);
    expect(srv.app.server.stats.errors).toBe(0);
  });

  itWith(['dig', 'kdig'], 'afterwards: dig and kdig too', async () => {
    const d = await dig(port, 'x.apps.lb.example.test A +norec');
    expect([d.status, d.flags, d.answer]).toEqual(['NOERROR', new Set(['qr', 'aa']), ['x.apps.lb.example.test. 300 IN A 192.0.2.20']]);
    const k = await kdig(port, 'www.child.lb.example.test A +tcp');
    expect([k.flags.has('aa'), k.authority]).toEqual([false, ['child.lb.example.test. 300 IN NS ns1.child.lb.example.test.']]);
    expect(srv.app.server.stats.errors).toBe(0);
  });
});
