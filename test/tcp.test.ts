/**
 * Truncation and TCP (RFC 1035 §4.2, RFC 7766) over real sockets: TC with empty sections when a
 * UDP answer does not fit (512 without EDNS, the EDNS size otherwise), the full answer over TCP
 * with 2-byte framing (dig +tcp, dig's and c-ares' automatic retry), pipelined and split frames,
 * the idle timeout and the cap on open connections.
 * Zones: EXAMPLE_ZONE and BIG_ZONE (many.big.test: 40 A; long.big.test: 6 × 250-byte TXT).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dnsPacket from 'dns-packet';
import { EXAMPLE_ZONE, startServer, type TestServer } from './helpers/server.js';
import { BIG_ZONE, MANY_A, MX_TARGETS, TXT_STRINGS } from './helpers/zones.js';
import { encodeQuestion, rr, sendTcp, sendUdp } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { describeWith } from './helpers/tools.js';
import { readHeader, resolver } from './helpers/raw.js';

const MANY = MANY_A.map((a) => `many.big.test. 300 IN A ${a}`);
const LONG = TXT_STRINGS.map((s) => `long.big.test. 300 IN TXT "${s}"`);

let srv: TestServer;

beforeAll(async () => {
  srv = await startServer([EXAMPLE_ZONE, BIG_ZONE]);
});
afterAll(() => srv.close());

describe('truncation over UDP', () => {
  it('without EDNS the limit is 512: TC, question kept, every section empty', async () => {
    const q = encodeQuestion('many.big.test', { rd: false });
    const reply = (await sendUdp(srv.port, q))!;
    expect(reply.length).toBeLessThanOrEqual(512);
    const h = readHeader(reply);
    expect(h.flags).toEqual(new Set(['qr', 'aa', 'tc']));
    expect(h.counts).toEqual({ qd: 1, an: 0, ns: 0, ar: 0 });
    expect(h.rcode).toBe('NOERROR');
    expect(reply.length).toBe(q.length); // header + the question: nothing half-written
  });

  describeWith(['dig', 'kdig'], 'with dig and kdig', () => {
    it('dig +noedns +ignore sees TC and no records', async () => {
      const r = await dig(srv.port, 'many.big.test A +noedns +ignore +norec');
      expect(r.flags).toEqual(new Set(['qr', 'aa', 'tc']));
      expect([r.answer, r.authority, r.additional, r.edns]).toEqual([[], [], [], undefined]);
      expect(r.protocol).toBe('UDP');
    });

    it('with EDNS, a 1.6 kB TXT answer is truncated at 1232, the OPT record kept', async () => {
      const r = await kdig(srv.port, 'long.big.test TXT +edns +ignore');
      expect(r.flags).toEqual(new Set(['qr', 'aa', 'tc', 'rd']));
      expect(r.answer).toEqual([]);
      expect(r.edns).toMatchObject({ version: 0, udp: 1232 });
      expect(r.counts.additional).toBe(1);
    });

    it('additional addresses that do not fit are left out instead of truncating (RFC 2181 §9)', async () => {
      const r = await dig(srv.port, 'mx.big.test MX +noedns +norec +ignore');
      expect(r.flags).toEqual(new Set(['qr', 'aa']));
      expect(r.answer).toEqual(MX_TARGETS.map((t) => `mx.big.test. 300 IN MX 10 ${t}`));
      expect(r.additional.length).toBeGreaterThan(0);
      expect(r.additional.length).toBeLessThan(10);
      expect(r.additional).toEqual(MX_TARGETS.slice(0, r.additional.length).map((t, i) => `${t} 300 IN A 192.0.2.${200 + i}`));
      expect(r.size).toBeLessThanOrEqual(512);
      const full = await dig(srv.port, 'mx.big.test MX +norec');
      expect(full.additional).toHaveLength(10);
    });

    it('a small answer in the same zone is not truncated', async () => {
      const r = await dig(srv.port, 'small.big.test A +noedns');
      expect(r.flags.has('tc')).toBe(false);
      expect(r.answer).toEqual(['small.big.test. 300 IN A 192.0.2.2']);
    });
  });
});

describeWith(['dig', 'kdig'], 'the full answer over TCP', () => {
  it('dig retries over TCP by itself after TC', async () => {
    const r = await dig(srv.port, 'many.big.test A +noedns +norec');
    expect(r.protocol).toBe('TCP');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual(MANY);
  });

  it('dig +tcp and kdig +tcp', async () => {
    const d = await dig(srv.port, 'long.big.test TXT +tcp +norec');
    expect([d.protocol, d.flags]).toEqual(['TCP', new Set(['qr', 'aa'])]);
    expect(d.answer).toEqual(LONG);
    expect(d.edns).toMatchObject({ udp: 1232 });
    const k = await kdig(srv.port, 'many.big.test A +tcp');
    expect([k.protocol, k.answer]).toEqual(['TCP', MANY]);
    const small = await kdig(srv.port, 'www.lb.example.test A +tcp');
    expect(small.answer).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
  });

  it('node:dns (c-ares) retries over TCP too and gets all 40 addresses', async () => {
    const addrs = await resolver(srv.port).resolve4('many.big.test');
    expect(addrs).toEqual(MANY_A);
  });
});

describe('TCP framing', () => {
  it('five pipelined queries on one connection: five answers, matched by ID', async () => {
    const names = ['www.lb.example.test', 'many.big.test', 'nope.lb.example.test', 'docs.lb.example.test', 'long.big.test'];
    const msgs = names.map((n, i) => encodeQuestion(n, { type: i === 4 ? 'TXT' : 'A' }));
    const replies = await sendTcp(srv.port, msgs, 5);
    expect(replies).toHaveLength(5);
    const byId = new Map(replies.map((b) => [b.readUInt16BE(0), dnsPacket.decode(b)]));
    const got = msgs.map((m) => byId.get(m.readUInt16BE(0))!);
    expect(got.map((p) => p.questions?.[0].name)).toEqual(names);
    expect(got.map((p) => (p as { rcode?: string }).rcode)).toEqual(['NOERROR', 'NOERROR', 'NXDOMAIN', 'NOERROR', 'NOERROR']);
    expect(got[0].answers?.map(rr)).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
    expect(got[1].answers).toHaveLength(40);
    expect(got[3].answers?.map(rr)).toEqual(['docs.lb.example.test. 300 IN CNAME www.lb.example.test.', 'www.lb.example.test. 30 IN A 192.0.2.10']);
    expect(got[4].answers?.map(rr)).toEqual(LONG);
    expect(got.every((p) => !(p as { flag_tc?: boolean }).flag_tc)).toBe(true);
  });

  it('a client that half-closes right after its query still gets the answer', async () => {
    const q = encodeQuestion('www.lb.example.test');
    const sock = await connect(srv.port);
    const got = new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => (buf = Buffer.concat([buf, d])));
      sock.on('close', () => resolve(buf));
    });
    sock.end(framed(q));
    const buf = await got;
    expect(buf.readUInt16BE(0)).toBe(buf.length - 2);
    expect(dnsPacket.decode(buf.subarray(2)).answers?.map(rr)).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
  });

  it('a frame split across writes, and two frames in one write, are reassembled', async () => {
    const a = encodeQuestion('www.lb.example.test');
    const b = encodeQuestion('mail.lb.example.test');
    const framed = Buffer.concat([a, b].map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])));
    const replies = await exchange(srv.port, [framed.subarray(0, 1), framed.subarray(1, 9), framed.subarray(9)], 2);
    expect(replies.map((r) => r.readUInt16BE(0))).toEqual([a.readUInt16BE(0), b.readUInt16BE(0)]);
    expect(dnsPacket.decode(replies[1]).answers?.map(rr)).toEqual(['mail.lb.example.test. 300 IN A 192.0.2.25']);
  });
});

describe('connection limits', () => {
  it('an idle connection is closed after tcpIdleTimeoutMs', async () => {
    const s = await startServer(EXAMPLE_ZONE, { tcpIdleTimeoutMs: 300 });
    try {
      const silent = await openedFor(s.port, () => {});
      expect(silent).toBeGreaterThanOrEqual(250);
      expect(silent).toBeLessThan(2000);
      // after an answer the connection stays usable, then closes once idle again
      const afterQuery = await openedFor(s.port, (sock) => sock.write(framed(encodeQuestion('www.lb.example.test'))));
      expect(afterQuery).toBeGreaterThanOrEqual(250);
      expect(afterQuery).toBeLessThan(2000);
    } finally {
      await s.close();
    }
  });

  it('tcpMaxConnections: a third connection is closed while two are open; room again after one closes', async () => {
    const s = await startServer(EXAMPLE_ZONE, { tcpMaxConnections: 2 });
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const sock = await connect(s.port);
        open.push(sock);
        expect(await ask(sock, 'www.lb.example.test')).toBe('NOERROR'); // accepted and served
      }
      const third = await connect(s.port);
      const closed = new Promise<boolean>((resolve) => third.once('close', () => resolve(true)));
      expect(await ask(third, 'www.lb.example.test', 1000)).toBeNull();
      expect(await Promise.race([closed, sleep(1000).then(() => false)])).toBe(true);
      // the two first are still served
      expect(await ask(open[0], 'mail.lb.example.test')).toBe('NOERROR');
      open.shift()!.destroy();
      // the server notices the close asynchronously: retry for up to 2 s
      let again: Buffer[] = [];
      for (let i = 0; i < 20 && again.length === 0; i++) {
        await sleep(100);
        again = await sendTcp(s.port, [encodeQuestion('www.lb.example.test')], 1, '127.0.0.1', 500).catch(() => []);
      }
      expect(again).toHaveLength(1);
      expect(readHeader(again[0]).rcode).toBe('NOERROR');
    } finally {
      for (const sock of open) sock.destroy();
      await s.close();
    }
  });
});

// ---------------------------------------------------------------- small TCP tools

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function framed(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Write the chunks with short pauses, collect `expect` framed replies (or what came in 2 s). */
async function exchange(port: number, chunks: Buffer[], expect: number): Promise<Buffer[]> {
  const sock = await connect(port);
  const out: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    sock.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        out.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (out.length >= expect) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const c of chunks) {
    sock.write(c);
    await sleep(30);
  }
  await done;
  sock.destroy();
  return out;
}

/** One query on an open socket; its rcode, or null when nothing came back in time. */
function ask(sock: net.Socket, name: string, timeoutMs = 2000): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(readHeader(buf.subarray(2)).rcode);
    };
    const finish = (v: string | null) => {
      clearTimeout(timer);
      sock.off('data', onData);
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('data', onData);
    sock.on('error', () => finish(null));
    if (!sock.destroyed) sock.write(framed(encodeQuestion(name)));
  });
}

/** Connect, run `then`, and measure how long the server keeps the connection open (ms). */
async function openedFor(port: number, then: (sock: net.Socket) => void): Promise<number> {
  const sock = await connect(port);
  const started = Date.now();
  const closed = new Promise<number>((resolve) => {
    sock.on('close', () => resolve(Date.now() - started));
    sock.on('error', () => {});
    sock.on('data', () => {});
  });
  then(sock);
  return Promise.race([closed, sleep(5000).then(() => Infinity)]).finally(() => sock.destroy());
}
