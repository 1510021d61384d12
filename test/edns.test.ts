/**
 * EDNS(0) (RFC 6891) over real sockets: OPT echoed with our UDP size (1232, or maxUdpPayload),
 * the client's size honoured and clamped, BADVERS, two OPT → FORMERR, DO echoed, NSID (RFC 5001)
 * only when configured and asked, ECS echoed, and no OPT in a reply to a query without one.
 * Sizes: many.big.test A ≈ 700 B, mid.big.test TXT ≈ 1.3 kB, long.big.test TXT ≈ 1.6 kB (helpers/zones.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dnsPacket from 'dns-packet';
import { EXAMPLE_ZONE, startServer, type TestServer } from './helpers/server.js';
import { BIG_ZONE, MANY_A } from './helpers/zones.js';
import { query, rr, sendUdp } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { describeWith } from './helpers/tools.js';
import { TYPE, message, opt, question, readHeader } from './helpers/raw.js';

const WWW = 'www.lb.example.test. 30 IN A 192.0.2.10';

let plain: TestServer; // defaults: max UDP payload 1232, no NSID
let tuned: TestServer; // maxUdpPayload 1400, NSID "ns1"

beforeAll(async () => {
  plain = await startServer([EXAMPLE_ZONE, BIG_ZONE]);
  tuned = await startServer([EXAMPLE_ZONE, BIG_ZONE], { maxUdpPayload: 1400, identity: { nsid: Buffer.from('ns1') } });
});
afterAll(async () => {
  await plain.close();
  await tuned.close();
});

/** The OPT record of a raw reply, decoded. */
function optOf(reply: Buffer): dnsPacket.OptAnswer | undefined {
  const p = dnsPacket.decode(reply);
  return p.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
}

describeWith(['dig', 'kdig'], 'OPT in the reply', () => {
  it('echoed with our UDP size 1232 and version 0', async () => {
    const r = await dig(plain.port, 'www.lb.example.test A +norec');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual([WWW]);
    expect(r.edns).toEqual({ version: 0, udp: 1232, flags: new Set(), options: {} });
    expect(r.counts.additional).toBe(1);
  });

  it('the size is the maxUdpPayload option when set', async () => {
    const r = await kdig(tuned.port, 'www.lb.example.test A +bufsize=4096');
    expect(r.edns).toMatchObject({ version: 0, udp: 1400 });
  });

  it('no OPT in the reply when the query had none', async () => {
    const r = await dig(plain.port, 'lb.example.test NS +noedns +norec');
    expect(r.edns).toBeUndefined();
    expect(r.counts.additional).toBe(2);
    expect(r.additional).toEqual(['ns1.lb.example.test. 300 IN A 192.0.2.53', 'ns2.lb.example.test. 300 IN A 192.0.2.54']);
    const k = await kdig(tuned.port, 'nope.lb.example.test A'); // kdig sends no OPT unless told to
    expect([k.status, k.edns, k.counts.additional]).toEqual(['NXDOMAIN', undefined, 0]);
  });

  it('DO bit echoed when set, clear otherwise', async () => {
    const on = await dig(plain.port, 'www.lb.example.test A +dnssec');
    expect(on.edns?.flags).toEqual(new Set(['do']));
    expect(on.answer).toEqual([WWW]);
    const off = await kdig(plain.port, 'www.lb.example.test A +edns');
    expect(off.edns?.flags).toEqual(new Set());
  });

  it('ECS echoed with scope 0 for an answer that does not depend on the client', async () => {
    const r = await dig(plain.port, 'www.lb.example.test A +subnet=198.51.100.0/24');
    expect(r.answer).toEqual([WWW]);
    expect(r.edns?.options['CLIENT-SUBNET']).toBe('198.51.100.0/24/0');
  });
});

describeWith(['dig', 'kdig'], 'NSID (RFC 5001)', () => {
  it('returned when configured and asked', async () => {
    const r = await dig(tuned.port, 'www.lb.example.test A +nsid');
    expect(r.edns?.options.NSID).toBe('ns1');
    expect(r.answer).toEqual([WWW]);
    const k = await kdig(tuned.port, 'nope.lb.example.test A +nsid');
    expect([k.status, k.edns?.options.NSID]).toEqual(['NXDOMAIN', 'ns1']);
  });

  it('not returned when not asked, nor when not configured', async () => {
    expect((await dig(tuned.port, 'www.lb.example.test A')).edns?.options).toEqual({});
    expect((await dig(plain.port, 'www.lb.example.test A +nsid')).edns?.options).toEqual({});
  });
});

describeWith(['dig', 'kdig'], "the client's UDP size", () => {
  it('honoured: 40 addresses fit in 1232 but not in 600', async () => {
    const fits = await dig(plain.port, 'many.big.test A +bufsize=1232 +norec');
    expect(fits.flags).toEqual(new Set(['qr', 'aa']));
    expect(fits.answer).toHaveLength(40);
    expect(fits.answer[39]).toBe(`many.big.test. 300 IN A ${MANY_A[39]}`);
    const small = await dig(plain.port, 'many.big.test A +bufsize=600 +ignore +norec');
    expect(small.flags).toEqual(new Set(['qr', 'aa', 'tc']));
    expect([small.answer, small.authority, small.additional]).toEqual([[], [], []]);
    expect(small.edns).toMatchObject({ version: 0, udp: 1232 });
  });

  it('clamped to our maximum: 4096 offered, a 1.3 kB answer is truncated at 1232, fits at 1400', async () => {
    const clamped = await kdig(plain.port, 'mid.big.test TXT +bufsize=4096 +ignore');
    expect(clamped.flags.has('tc')).toBe(true);
    expect(clamped.answer).toEqual([]);
    expect(clamped.size).toBeLessThanOrEqual(1232);
    const roomy = await kdig(tuned.port, 'mid.big.test TXT +bufsize=4096 +ignore');
    expect(roomy.flags.has('tc')).toBe(false);
    expect(roomy.answer).toHaveLength(5);
    const long = await dig(tuned.port, 'long.big.test TXT +bufsize=4096 +ignore');
    expect(long.flags.has('tc')).toBe(true);
  });

  it('sizes under 512 count as 512 (RFC 6891 §6.2.5)', async () => {
    const reply = (await sendUdp(plain.port, message({ question: question('lb.example.test', TYPE.NS), additional: [opt({ udp: 100 })] })))!;
    expect(reply.length).toBeGreaterThan(100);
    const h = readHeader(reply);
    expect(h.flags.has('tc')).toBe(false);
    expect(h.counts).toEqual({ qd: 1, an: 2, ns: 0, ar: 3 });
  });
});

describe('BADVERS and two OPT records', () => {
  describeWith(['dig', 'kdig'], 'with dig and kdig', () => {
    it('EDNS version 1 → BADVERS (extended rcode), OPT version 0, no data, DO echoed', async () => {
      const r = await dig(plain.port, 'www.lb.example.test A +edns=1 +noednsnegotiation +dnssec +norec');
      expect(r.status).toBe('BADVERS');
      expect(r.flags).toEqual(new Set(['qr']));
      expect(r.question).toEqual(['www.lb.example.test. IN A']);
      expect([r.answer, r.authority, r.additional]).toEqual([[], [], []]);
      expect(r.edns).toEqual({ version: 0, udp: 1232, flags: new Set(['do']), options: {} });
      const k = await kdig(plain.port, 'www.lb.example.test A +edns=2');
      expect([k.status, k.edns?.version]).toEqual(['BADVERS', 0]);
    });
  });

  it('on the wire: header rcode 0, OPT extended rcode 1 (= 16)', async () => {
    const reply = (await sendUdp(plain.port, message({ id: 55, question: question('www.lb.example.test'), additional: [opt({ version: 1 })] })))!;
    expect(readHeader(reply)).toMatchObject({ id: 55, rcode: 'NOERROR', counts: { qd: 1, an: 0, ns: 0, ar: 1 } });
    expect(optOf(reply)).toMatchObject({ extendedRcode: 1, ednsVersion: 0, udpPayloadSize: 1232 });
  });

  it('a version-0 query still gets an answer, ext rcode 0', async () => {
    const r = await query(plain.port, 'www.lb.example.test', { edns: true });
    expect(r.answers?.map(rr)).toEqual([WWW]);
    expect(r.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ extendedRcode: 0, ednsVersion: 0 });
  });

  it('two OPT records → FORMERR', async () => {
    const reply = (await sendUdp(plain.port, message({ id: 56, question: question('www.lb.example.test'), additional: [opt(), opt()] })))!;
    const h = readHeader(reply);
    expect(h).toMatchObject({ id: 56, rcode: 'FORMERR', counts: { an: 0, ns: 0 } });
    expect(h.flags).toEqual(new Set(['qr']));
  });

  it('an OPT record outside the additional section → FORMERR', async () => {
    const reply = (await sendUdp(plain.port, message({ question: question('www.lb.example.test'), additional: [opt()], arcount: 0, ancount: 1 })))!;
    expect(readHeader(reply).rcode).toBe('FORMERR');
  });
});
