/**
 * Authoritative responder rules of issue 2, over real sockets: AA and REFUSED, never RA, the
 * header and question echoed as sent (0x20 letter case included), NXDOMAIN / NODATA with the SOA
 * and the RFC 2308 negative TTL, opcodes, QDCOUNT, QR, ANY (RFC 8482), AXFR, CHAOS identity.
 * kdig lower-cases the names it sends, so the 0x20 checks use dig and hand-built queries.
 * Zones: EXAMPLE_ZONE (test/helpers/server.ts) and NEG_ZONE (test/helpers/zones.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ZONE, startServer, type TestServer } from './helpers/server.js';
import { NEG_ZONE } from './helpers/zones.js';
import { query, rr, sendTcp, sendUdp } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { describeWith } from './helpers/tools.js';
import { CLASS, OPCODE, TYPE, errorCode, message, question, readHeader, resolver } from './helpers/raw.js';

const SOA_LB = 'lb.example.test. 60 IN SOA ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60';
const SOA_NEG = 'neg.test. 120 IN SOA ns.neg.test. hostmaster.neg.test. 7 3600 600 604800 900';

let srv: TestServer;
let port: number;

beforeAll(async () => {
  srv = await startServer([EXAMPLE_ZONE, NEG_ZONE]);
  port = srv.port;
});
afterAll(() => srv.close());

describeWith(['dig', 'kdig'], 'authority, recursion and the echoed header', () => {
  it('answers names in its zones with AA, never RA; RD echoed when set', async () => {
    const r = await dig(port, 'www.lb.example.test A');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toEqual(new Set(['qr', 'aa', 'rd']));
    expect(r.question).toEqual(['www.lb.example.test. IN A']);
    expect(r.answer).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
    expect(r.authority).toEqual([]);
    const k = await kdig(port, 'www.lb.example.test AAAA +norec');
    expect(k.flags).toEqual(new Set(['qr', 'aa']));
    expect(k.answer).toEqual(['www.lb.example.test. 300 IN AAAA 2001:db8::10']);
  });

  it('REFUSED without AA for names outside its zones, and for a parent of a zone', async () => {
    for (const name of ['www.example.org', 'example.test', '.']) {
      const r = await dig(port, `${name} A +norec`);
      expect(r.status, name).toBe('REFUSED');
      expect(r.flags, name).toEqual(new Set(['qr']));
      expect([r.answer, r.authority, r.additional], name).toEqual([[], [], []]);
    }
    expect(await errorCode(resolver(port).resolve4('www.example.org'))).toBe('EREFUSED');
  });

  it('0x20: question and answer owner come back in the letter case sent; lookup ignores case', async () => {
    const r = await dig(port, 'wWw.Lb.ExAmPlE.tEsT A +norec');
    expect(r.question).toEqual(['wWw.Lb.ExAmPlE.tEsT. IN A']);
    expect(r.answer).toEqual(['wWw.Lb.ExAmPlE.tEsT. 30 IN A 192.0.2.10']);
    const nx = await dig(port, 'NoPe.LB.EXAMPLE.TEST A');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.question).toEqual(['NoPe.LB.EXAMPLE.TEST. IN A']);
    expect(nx.authority).toEqual([SOA_LB]);
  });
});

describe('the question and header, byte for byte (hand-built queries)', () => {
  it('echoes ID, RD, CD and the question bytes exactly; clears RA, AD, TC', async () => {
    const q = question('dOcS.lB.eXaMpLe.TeSt', TYPE.A);
    for (const [id, rd] of [[0xbeef, true], [0x0001, false]] as const) {
      const reply = (await sendUdp(port, message({ id, rd, cd: true, question: q })))!;
      const h = readHeader(reply);
      expect(h).toMatchObject({ id, opcode: 0, rcode: 'NOERROR', counts: { qd: 1, an: 2, ns: 0, ar: 0 } });
      expect(h.flags).toEqual(new Set(['qr', 'aa', 'cd', ...(rd ? ['rd'] : [])]));
      expect(reply.subarray(12, 12 + q.length)).toEqual(q);
    }
  });

  it('the same over TCP', async () => {
    const q = question('WWW.lb.example.test', TYPE.AAAA);
    const [reply] = await sendTcp(port, [message({ id: 0x7777, rd: true, question: q })]);
    expect(readHeader(reply)).toMatchObject({ id: 0x7777, flags: new Set(['qr', 'aa', 'rd']), counts: { qd: 1, an: 1 } });
    expect(reply.subarray(12, 12 + q.length)).toEqual(q);
  });
});

describeWith(['dig', 'kdig'], 'NXDOMAIN and NODATA', () => {
  it('NXDOMAIN with the SOA in authority, TTL min(SOA TTL 300, minimum 60)', async () => {
    const r = await dig(port, 'nope.lb.example.test A +norec');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual([]);
    expect(r.authority).toEqual([SOA_LB]);
    expect(await errorCode(resolver(port).resolve4('nope.lb.example.test'))).toBe('ENOTFOUND');
  });

  it('NODATA (NOERROR, empty answer, SOA) for a name without the asked type', async () => {
    const r = await kdig(port, 'mail.lb.example.test TXT +norec');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual([]);
    expect(r.authority).toEqual([SOA_LB]);
    expect(await errorCode(resolver(port).resolveMx('www.lb.example.test'))).toBe('ENODATA');
  });

  it('an empty non-terminal exists: NODATA, for every type', async () => {
    for (const name of ['deep.lb.example.test', 'b.deep.lb.example.test']) {
      for (const type of ['A', 'TXT', 'ANY']) {
        const r = await dig(port, `${name} ${type} +norec`);
        expect(r.status, `${name} ${type}`).toBe('NOERROR');
        expect(r.answer).toEqual([]);
        expect(r.authority).toEqual([SOA_LB]);
      }
    }
    expect((await dig(port, 'x.deep.lb.example.test A')).status).toBe('NXDOMAIN');
    expect((await dig(port, 'a.b.deep.lb.example.test A')).answer).toEqual(['a.b.deep.lb.example.test. 300 IN A 192.0.2.30']);
  });

  it('negative TTL is the SOA record TTL when it is lower than the minimum (RFC 2308 §5)', async () => {
    const nx = await dig(port, 'gone.neg.test A +norec');
    expect(nx.status).toBe('NXDOMAIN');
    expect(nx.authority).toEqual([SOA_NEG]);
    const nodata = await kdig(port, 'host.neg.test AAAA');
    expect([nodata.status, nodata.answer, nodata.authority]).toEqual(['NOERROR', [], [SOA_NEG]]);
    // the SOA asked for directly keeps its own TTL
    expect((await dig(port, 'neg.test SOA')).answer).toEqual([SOA_NEG]);
  });
});

describe('opcodes, QDCOUNT, QR', () => {
  it.each([
    ['IQUERY', OPCODE.IQUERY],
    ['STATUS', OPCODE.STATUS],
    ['NOTIFY', OPCODE.NOTIFY],
    ['UPDATE', OPCODE.UPDATE],
    ['unassigned 15', 15],
  ])('opcode %s → NOTIMP, opcode echoed', async (_name, opcode) => {
    const reply = (await sendUdp(port, message({ id: 99, opcode, question: question('lb.example.test', TYPE.SOA) })))!;
    const h = readHeader(reply);
    expect(h).toMatchObject({ id: 99, opcode, rcode: 'NOTIMP', counts: { an: 0, ns: 0, ar: 0 } });
    expect(h.flags).toEqual(new Set(['qr']));
  });

  describeWith('dig', 'with dig', () => {
    it('dig +opcode=notify → NOTIMP', async () => {
      const r = await dig(port, 'lb.example.test SOA +opcode=notify +norec');
      expect([r.opcode, r.status]).toEqual(['NOTIFY', 'NOTIMP']);
      expect(r.flags).toEqual(new Set(['qr']));
    });
  });

  it.each([0, 2, 3])('QDCOUNT %i → FORMERR', async (qdcount) => {
    const qs = Array.from({ length: qdcount }, () => question('www.lb.example.test', TYPE.A));
    const reply = (await sendUdp(port, message({ id: 4242, rd: true, question: qs })))!;
    const h = readHeader(reply);
    expect(h).toMatchObject({ id: 4242, rcode: 'FORMERR', counts: { an: 0, ns: 0, ar: 0 } });
    expect(h.flags).toEqual(new Set(['qr', 'rd']));
  });

  it('a message with QR set gets no answer at all, over UDP or TCP', async () => {
    const msg = message({ qr: true, question: question('www.lb.example.test', TYPE.A) });
    expect(await sendUdp(port, msg, { timeoutMs: 400 })).toBeNull();
    expect(await sendTcp(port, [msg], 1, '127.0.0.1', 400)).toEqual([]);
    // and the server still answers
    expect((await query(port, 'www.lb.example.test')).answers?.map(rr)).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
  });
});

describeWith(['dig', 'kdig'], 'ANY and zone transfers', () => {
  it('ANY gets one RRset (RFC 8482), not the whole node', async () => {
    const www = await dig(port, 'www.lb.example.test ANY +norec');
    expect(www.flags).toEqual(new Set(['qr', 'aa']));
    expect(www.answer).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
    const apex = await kdig(port, 'lb.example.test ANY');
    expect(apex.status).toBe('NOERROR');
    expect(apex.answer).toEqual(['lb.example.test. 300 IN MX 10 mail.lb.example.test.']); // NS, SOA live here too
    const docs = await dig(port, 'docs.lb.example.test ANY');
    expect(docs.answer).toEqual(['docs.lb.example.test. 300 IN CNAME www.lb.example.test.']);
    const txt = await dig(port, 'txt.lb.example.test ANY');
    expect(txt.answer).toEqual(['txt.lb.example.test. 300 IN TXT "hello" "world"']);
  });

  it('ANY at a name whose only RRset is of a less common type still answers it', async () => {
    const r = await dig(port, 'caa.neg.test ANY +norec');
    expect([r.status, r.flags]).toEqual(['NOERROR', new Set(['qr', 'aa'])]);
    expect(r.answer).toEqual(['caa.neg.test. 3600 IN CAA 0 issue "ca.example"']);
    expect(r.authority).toEqual([]);
  });

  it('AXFR and IXFR are REFUSED', async () => {
    for (const type of ['AXFR', 'IXFR']) {
      const r = await query(port, 'lb.example.test', { tcp: true, type });
      expect(r.rcode, type).toBe('REFUSED');
      expect([r.flag_aa, r.answers, r.authorities]).toEqual([false, [], []]);
    }
    const udp = readHeader((await sendUdp(port, message({ question: question('lb.example.test', TYPE.AXFR) })))!);
    expect(udp.rcode).toBe('REFUSED');
  });
});

describe('CHAOS TXT identity', () => {
  let id: TestServer;
  beforeAll(async () => {
    id = await startServer(EXAMPLE_ZONE, { identity: { identity: 'ns1.test', version: 'Meridian x' } });
  });
  afterAll(() => id.close());

  describeWith(['dig', 'kdig'], 'with dig and kdig', () => {
    it.each([
      ['id.server', 'ns1.test'],
      ['hostname.bind', 'ns1.test'],
      ['version.server', 'Meridian x'],
      ['version.bind', 'Meridian x'],
    ])('%s CH TXT → "%s"', async (name, value) => {
      const r = await dig(id.port, `${name} CH TXT +norec`);
      expect(r.status).toBe('NOERROR');
      expect(r.flags).toEqual(new Set(['qr', 'aa']));
      expect(r.answer).toEqual([`${name}. 0 CH TXT "${value}"`]);
      const k = await kdig(id.port, `-c CH -t TXT ${name}`);
      expect(k.answer).toEqual([`${name}. 0 CH TXT "${value}"`]);
      const upper = await dig(id.port, `${name.toUpperCase()} CH TXT`);
      expect(upper.answer).toEqual([`${name.toUpperCase()}. 0 CH TXT "${value}"`]);
    });

    it('REFUSED when the values are disabled (the default), and for other CHAOS names', async () => {
      for (const name of ['id.server', 'hostname.bind', 'version.server', 'version.bind']) {
        const r = await dig(port, `${name} CH TXT +norec`);
        expect([r.status, r.flags, r.answer], name).toEqual(['REFUSED', new Set(['qr']), []]);
      }
      expect((await dig(id.port, 'authors.bind CH TXT')).status).toBe('REFUSED');
      expect((await dig(id.port, 'id.server CH A')).status).toBe('REFUSED');
      // the IN class has no such names
      expect((await dig(id.port, 'version.bind IN TXT')).status).toBe('REFUSED');
    });
  });

  it('class CH with dns-packet; other classes REFUSED', async () => {
    const r = await query(id.port, 'version.server', { type: 'TXT', klass: 'CH' });
    expect(r.answers?.map(rr)).toEqual(['version.server. 0 CH TXT "Meridian x"']);
    const hs = readHeader((await sendUdp(id.port, message({ question: question('www.lb.example.test', TYPE.A, CLASS.HS) })))!);
    expect(hs.rcode).toBe('REFUSED');
  });
});
