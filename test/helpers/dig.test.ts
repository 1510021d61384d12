/**
 * The dig/kdig output parser, twice: against outputs captured from real runs (always), and against
 * a tiny dns-packet responder on loopback (when dig / kdig are installed).
 * Captured with dig 9.18.49 and kdig 3.2.6 (Debian 12) against the responders below; the
 * commands are in the first line of each dig capture and in each test name.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packet, { type Answer, type OptAnswer, type Packet } from 'dns-packet';
import { DigError, dig, kdig, parseDigOutput, splitRecord } from './dig.js';
import { describeWith } from './tools.js';

// ---------------------------------------------------------------- outputs of real runs

/** dig +subnet=192.0.2.0/24 +nsid +norec www.lb.example.test A */
const DIG_ECS_NSID = String.raw`
; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> -r @127.0.0.1 -p 15356 +nocookie +time=2 +tries=1 +subnet=192.0.2.0/24 +nsid +norec www.lb.example.test A
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 21914
;; flags: qr aa; QUERY: 1, ANSWER: 2, AUTHORITY: 1, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
; NSID: 6d 65 72 69 64 69 61 6e 2d 31 ("meridian-1")
; CLIENT-SUBNET: 192.0.2.0/24/24
;; QUESTION SECTION:
;www.lb.example.test.		IN	A

;; ANSWER SECTION:
www.lb.example.test.	30	IN	A	192.0.2.10
www.lb.example.test.	30	IN	A	192.0.2.11

;; AUTHORITY SECTION:
lb.example.test.	3600	IN	NS	ns1.lb.example.test.

;; Query time: 4 msec
;; SERVER: 127.0.0.1#15356(127.0.0.1) (UDP)
;; WHEN: Wed Nov 25 20:19:26 UTC 2026
;; MSG SIZE  rcvd: 191

`;

/** kdig +subnet=192.0.2.0/24 +nsid www.lb.example.test A */
const KDIG_ECS_NSID = String.raw`;; ->>HEADER<<- opcode: QUERY; status: NOERROR; id: 235
;; Flags: qr aa rd; QUERY: 1; ANSWER: 2; AUTHORITY: 1; ADDITIONAL: 1

;; EDNS PSEUDOSECTION:
;; Version: 0; flags: ; UDP size: 1232 B; ext-rcode: NOERROR
;; NSID: 6D6572696469616E2D31 "meridian-1"
;; CLIENT-SUBNET: 192.0.2.0/24/24

;; QUESTION SECTION:
;; www.lb.example.test.		IN	A

;; ANSWER SECTION:
www.lb.example.test.	30	IN	A	192.0.2.10
www.lb.example.test.	30	IN	A	192.0.2.11

;; AUTHORITY SECTION:
lb.example.test.    	3600	IN	NS	ns1.lb.example.test.

;; Received 191 B
;; Time 2026-11-25 20:19:26 UTC
;; From 127.0.0.1@15356(UDP) in 0.8 ms
`;

/** dig +dnssec +edns=1 …: the server answers BADVERS with DO and an unknown option 65001 = 0xab */
const DIG_BADVERS = String.raw`;; BADVERS, retrying with EDNS version 0.

; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> -r @127.0.0.1 -p 15354 +nocookie +time=2 +tries=1 +dnssec +edns=1 www.lb.example.test
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: BADVERS, id: 4230
;; flags: qr; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags: do; udp: 1232
; OPT=65001: ab (".")
;; QUESTION SECTION:
;www.lb.example.test.		IN	A

;; Query time: 0 msec
;; SERVER: 127.0.0.1#15354(127.0.0.1) (UDP)
;; WHEN: Wed Nov 25 20:19:21 UTC 2026
;; MSG SIZE  rcvd: 53

`;

/** kdig +dnssec +edns=1 … (same server) */
const KDIG_BADVERS = String.raw`;; ->>HEADER<<- opcode: QUERY; status: BADVERS; id: 26669
;; Flags: qr; QUERY: 1; ANSWER: 0; AUTHORITY: 0; ADDITIONAL: 1

;; EDNS PSEUDOSECTION:
;; Version: 0; flags: do; UDP size: 1232 B; ext-rcode: BADVERS
;; Option (65001): AB

;; QUESTION SECTION:
;; www.lb.example.test.		IN	A

;; Received 53 B
;; Time 2026-11-25 20:19:21 UTC
;; From 127.0.0.1@15354(UDP) in 0.6 ms
`;

/** dig junk.lb.example.test: the server appends 3 stray bytes */
const DIG_TRAILING = String.raw`
; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> -r @127.0.0.1 -p 15354 +nocookie +time=2 +tries=1 junk.lb.example.test
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 26489
;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0
;; WARNING: Message has 3 extra bytes at end

;; QUESTION SECTION:
;junk.lb.example.test.		IN	A

;; ANSWER SECTION:
junk.lb.example.test.	30	IN	A	192.0.2.1

;; Query time: 0 msec
;; SERVER: 127.0.0.1#15354(127.0.0.1) (UDP)
;; WHEN: Wed Nov 25 20:19:21 UTC 2026
;; MSG SIZE  rcvd: 77

`;

/** kdig +qr txt.lb.example.test TXT */
const KDIG_QR_TXT = String.raw`;; ->>HEADER<<- opcode: QUERY; status: NOERROR; id: 5656
;; Flags: rd ad; QUERY: 1; ANSWER: 0; AUTHORITY: 0; ADDITIONAL: 0

;; QUESTION SECTION:
;; txt.lb.example.test.		IN	TXT

;; Sent 37 B
;; Time 2026-11-25 20:19:26 UTC
;; To 127.0.0.1@15353(UDP) in 0.1 ms

;; ->>HEADER<<- opcode: QUERY; status: NOERROR; id: 5656
;; Flags: qr aa; QUERY: 1; ANSWER: 1; AUTHORITY: 0; ADDITIONAL: 0

;; QUESTION SECTION:
;; txt.lb.example.test.		IN	TXT

;; ANSWER SECTION:
txt.lb.example.test.	0	IN	TXT	"hello   world" "meridian \"x\" 1"

;; Received 97 B
;; Time 2026-11-25 20:19:26 UTC
;; From 127.0.0.1@15353(UDP) in 0.9 ms
`;

const ECS_ANSWER = ['www.lb.example.test. 30 IN A 192.0.2.10', 'www.lb.example.test. 30 IN A 192.0.2.11'];

describe('parseDigOutput on captured output', () => {
  it.each([
    ['dig', DIG_ECS_NSID, new Set(['qr', 'aa']), 21914],
    ['kdig', KDIG_ECS_NSID, new Set(['qr', 'aa', 'rd']), 235],
  ])('%s: header, sections, EDNS options', (_tool, text, flags, id) => {
    const { responses, queries, warnings } = parseDigOutput(text);
    expect(queries).toEqual([]);
    expect(warnings).toEqual([]);
    expect(responses).toHaveLength(1);
    const [r] = responses;
    expect(r).toMatchObject({ kind: 'response', opcode: 'QUERY', status: 'NOERROR', id, flags });
    expect(r.counts).toEqual({ query: 1, answer: 2, authority: 1, additional: 1 });
    expect(r.question).toEqual(['www.lb.example.test. IN A']);
    expect(r.answer).toEqual(ECS_ANSWER);
    expect(r.authority).toEqual(['lb.example.test. 3600 IN NS ns1.lb.example.test.']);
    expect(r.additional).toEqual([]);
    expect(r.edns).toEqual({
      version: 0, udp: 1232, flags: new Set(),
      options: { NSID: 'meridian-1', 'CLIENT-SUBNET': '192.0.2.0/24/24' },
    });
    expect(r).toMatchObject({ protocol: 'UDP', size: 191 });
  });

  it.each([
    ['dig', DIG_BADVERS],
    ['kdig', KDIG_BADVERS],
  ])('%s: extended rcode, DO flag, unknown option as OPT=code hex', (_tool, text) => {
    const [r] = parseDigOutput(text).responses;
    expect(r.status).toBe('BADVERS');
    expect(r.flags).toEqual(new Set(['qr']));
    expect(r.edns).toMatchObject({ version: 0, udp: 1232, flags: new Set(['do']) });
    expect(r.edns?.options).toMatchObject({ 'OPT=65001': 'ab' });
  });

  it('dig: warnings are collected, the message is still parsed', () => {
    const { responses, warnings } = parseDigOutput(DIG_TRAILING);
    expect(warnings).toEqual(['Message has 3 extra bytes at end']);
    expect(responses[0].answer).toEqual(['junk.lb.example.test. 30 IN A 192.0.2.1']);
    expect(responses[0].edns).toBeUndefined();
  });

  it('kdig +qr: the query is kept apart; quoted TXT strings are kept verbatim', () => {
    const { responses, queries, warnings } = parseDigOutput(KDIG_QR_TXT);
    expect(warnings).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(queries[0].flags).toEqual(new Set(['rd', 'ad']));
    expect(responses).toHaveLength(1);
    expect(responses[0].answer).toEqual([String.raw`txt.lb.example.test. 0 IN TXT "hello   world" "meridian \"x\" 1"`]);
    expect(splitRecord(responses[0].answer[0])).toMatchObject({ ttl: 0, class: 'IN', type: 'TXT' });
  });

  it('output without a message gives no responses', () => {
    expect(parseDigOutput(';; communications error to 127.0.0.1#1: timed out\n').responses).toEqual([]);
  });
});

// ---------------------------------------------------------------- a tiny responder on loopback

const NSID = 3;
const ECS = 8;
const SOA: Answer = {
  name: 'lb.example.test', type: 'SOA', ttl: 300,
  data: { mname: 'ns1.lb.example.test', rname: 'hostmaster.lb.example.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 300 },
};

/** www.* → two A; big.* → TC over UDP; nx.* → NXDOMAIN; drop.* → silence; CH or TXT → a TXT. */
function respond(query: Buffer, overTcp: boolean): Buffer | undefined {
  const q = packet.decode(query);
  const question = q.questions![0];
  const name = question.name;
  if (name.startsWith('drop.')) return undefined;
  const res: Packet = {
    id: q.id, type: 'response', questions: q.questions,
    flags: packet.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & packet.RECURSION_DESIRED),
    answers: [], authorities: [], additionals: [],
  };
  const opt = q.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  if (opt) {
    const options: unknown[] = [];
    for (const o of opt.options) {
      if (o.code === ECS) {
        const { family, sourcePrefixLength, ip } = o;
        options.push({ code: ECS, family, sourcePrefixLength, scopePrefixLength: sourcePrefixLength, ip });
      }
      if ((o.code as number) === NSID) options.push({ code: NSID, data: Buffer.from('meridian-1') });
    }
    res.additionals!.push({ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options } as unknown as OptAnswer);
  }
  if (name.startsWith('big.') && !overTcp) res.flags! |= packet.TRUNCATED_RESPONSE;
  else if (name.startsWith('nx.')) {
    res.flags! |= 3;
    res.authorities!.push(SOA);
  } else if (question.class === 'CH' || question.type === 'TXT') {
    res.answers!.push({ name, type: 'TXT', class: question.class, ttl: 0, data: ['hello   world', 'meridian "x" 1'] });
  } else {
    res.answers!.push({ name, type: 'A', ttl: 30, data: '192.0.2.10' }, { name, type: 'A', ttl: 30, data: '192.0.2.11' });
  }
  return packet.encode(res);
}

async function startResponder(): Promise<{ port: number; close: () => void }> {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, from) => {
    const out = respond(msg, false);
    if (out) udp.send(out, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp = net.createServer((conn) => {
    let buf = Buffer.alloc(0);
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = respond(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (out) conn.write(Buffer.concat([Buffer.from([out.length >> 8, out.length & 255]), out]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { port, close: () => (udp.close(), tcp.close()) };
}

let server: Awaited<ReturnType<typeof startResponder>>;
beforeAll(async () => {
  server = await startResponder();
});
afterAll(() => server?.close());

for (const [tool, query] of [['dig', dig], ['kdig', kdig]] as const) {
  describeWith(tool, `${tool} against a loopback responder`, () => {
    it('A with ECS and NSID over UDP', async () => {
      const r = await query(server.port, 'www.lb.example.test A +subnet=192.0.2.0/24 +nsid');
      expect(r).toMatchObject({ tool, exitCode: 0, status: 'NOERROR', opcode: 'QUERY', protocol: 'UDP' });
      expect(r.flags).toEqual(new Set(['qr', 'aa', 'rd']));
      expect(r.question).toEqual(['www.lb.example.test. IN A']);
      expect(r.answer).toEqual(ECS_ANSWER);
      expect(r.edns?.options).toEqual({ 'CLIENT-SUBNET': '192.0.2.0/24/24', NSID: 'meridian-1' });
      expect(r.responses).toHaveLength(1);
    });

    it('+norec +noedns', async () => {
      const r = await query(server.port, ['+norec', '+noedns', 'www.lb.example.test']);
      expect(r.flags).toEqual(new Set(['qr', 'aa']));
      expect(r.edns).toBeUndefined();
    });

    it('+tcp', async () => {
      const r = await query(server.port, '+tcp www.lb.example.test');
      expect(r).toMatchObject({ protocol: 'TCP', answer: ECS_ANSWER });
    });

    it('truncated over UDP: retried over TCP, or kept with +ignore', async () => {
      const retried = await query(server.port, 'big.lb.example.test');
      expect(retried).toMatchObject({ protocol: 'TCP', counts: { answer: 2 } });
      const kept = await query(server.port, '+ignore big.lb.example.test');
      expect(kept).toMatchObject({ protocol: 'UDP', answer: [] });
      expect(kept.flags.has('tc')).toBe(true);
    });

    it('NXDOMAIN with the SOA in authority', async () => {
      const r = await query(server.port, 'nx.lb.example.test');
      expect(r.status).toBe('NXDOMAIN');
      expect(r.authority).toEqual([
        'lb.example.test. 300 IN SOA ns1.lb.example.test. hostmaster.lb.example.test. 1 3600 600 86400 300',
      ]);
    });

    it('-c CH -t TXT keeps quoted strings', async () => {
      const r = await query(server.port, '-c CH -t TXT version.bind');
      expect(r.answer).toEqual([String.raw`version.bind. 0 CH TXT "hello   world" "meridian \"x\" 1"`]);
    });

    it('no reply rejects with a DigError, reason timeout', async () => {
      const err = await query(server.port, '+time=1 drop.lb.example.test').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DigError);
      expect(err).toMatchObject({ reason: 'timeout', tool });
    });

    it('refuses flags that change the output format', async () => {
      await expect(query(server.port, '+short www.lb.example.test')).rejects.toThrow(/\+short/);
    });
  });
}
