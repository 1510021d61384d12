import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDns } from './dns.js';
import { hasIPv6, target, timed } from './testing.js';

type Query = dnsPacket.Packet & { flag_rd?: boolean };

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/**
 * A tiny authoritative responder: `.` SOA answers NOERROR; names starting with a behaviour word
 * do that instead (refused., servfail., silent., wrongid., garbage-first.).
 */
async function responder(host = '127.0.0.1'): Promise<{ port: number; queries: Query[]; close(): Promise<void> }> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const queries: Query[] = [];
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg) as Query;
    queries.push(q);
    const question = q.questions![0];
    const word = question.name.split('.')[0];
    const reply = (rcode: number, id = q.id) =>
      sock.send(
        dnsPacket.encode({
          type: 'response',
          id,
          flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode,
          questions: q.questions,
          answers:
            rcode === 0 && question.type === 'SOA'
              ? [{ name: question.name, type: 'SOA', ttl: 60, data: { mname: 'ns1.test', rname: 'hostmaster.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } }]
              : [],
        }),
        rinfo.port,
        rinfo.address,
      );
    switch (word) {
      case 'refused':
        return reply(RCODE.REFUSED);
      case 'servfail':
        return reply(RCODE.SERVFAIL);
      case 'nxdomain':
        return reply(RCODE.NXDOMAIN);
      case 'silent':
        return;
      case 'wrongid':
        return reply(0, (q.id! + 1) & 0xffff);
      case 'garbage-first':
        sock.send(Buffer.from('not dns'), rinfo.port, rinfo.address);
        return reply(0);
      default:
        return reply(0);
    }
  });
  await new Promise<void>((r) => sock.bind({ address: host, port: 0 }, () => r()));
  return { port: sock.address().port, queries, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

describe('checkDns', () => {
  let dns: Awaited<ReturnType<typeof responder>>;
  beforeAll(async () => {
    dns = await responder();
  });
  afterAll(() => dns.close());

  const t = (check: Parameters<typeof target>[3] = {}) => target('dns', '127.0.0.1', dns.port, check);

  it('asks ". SOA" without recursion by default and is up on NOERROR', async () => {
    const r = await timed(checkDns)(t());
    expect(r).toMatchObject({ ok: true, detail: 'DNS NOERROR' });
    const q = dns.queries.at(-1)!;
    expect(q.questions).toEqual([{ name: '.', type: 'SOA', class: 'IN' }]);
    expect(q.flag_rd).toBe(false);
  });

  it('asks the configured name and type', async () => {
    const r = await timed(checkDns)(t({ dnsName: 'www.lb.example.test', dnsType: 'a' }));
    expect(r).toMatchObject({ ok: true, detail: 'DNS NOERROR' });
    expect(dns.queries.at(-1)!.questions).toEqual([{ name: 'www.lb.example.test', type: 'A', class: 'IN' }]);
  });

  it.each([
    ['refused.test', 'DNS REFUSED'],
    ['servfail.test', 'DNS SERVFAIL'],
    ['nxdomain.test', 'DNS NXDOMAIN'],
  ])('is down on %s → %s', async (dnsName, detail) => {
    expect(await timed(checkDns)(t({ dnsName }))).toMatchObject({ ok: false, detail });
  });

  it('is down at the timeout when no reply comes', async () => {
    const r = await timed(checkDns)(t({ dnsName: 'silent.test', timeoutMs: 300 }));
    expect(r).toMatchObject({ ok: false, detail: 'DNS timed out after 300 ms' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(r.latencyMs).toBeLessThan(1200);
  });

  it('ignores replies with another id, and datagrams that are not DNS', async () => {
    expect(await timed(checkDns)(t({ dnsName: 'wrongid.test', timeoutMs: 300 }))).toMatchObject({
      ok: false,
      detail: 'DNS timed out after 300 ms',
    });
    expect(await timed(checkDns)(t({ dnsName: 'garbage-first.test' }))).toMatchObject({ ok: true, detail: 'DNS NOERROR' });
  });

  it('is down when nothing listens on the port', async () => {
    const closed = await responder();
    await closed.close();
    const r = await timed(checkDns)(target('dns', '127.0.0.1', closed.port, { timeoutMs: 1000 }));
    expect(r).toMatchObject({ ok: false, detail: 'DNS port unreachable (ECONNREFUSED)' });
  });

  it('is down on an unknown type, without sending', async () => {
    const before = dns.queries.length;
    expect(await timed(checkDns)(t({ dnsType: 'BOGUS' }))).toMatchObject({ ok: false, detail: 'DNS type "BOGUS" is not known' });
    expect(dns.queries.length).toBe(before);
  });

  it('returns a failed result for a bad port instead of throwing', async () => {
    const r = await timed(checkDns)(target('dns', '127.0.0.1', 70000));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/ERR_SOCKET_BAD_PORT/);
  });

  it('asks over IPv6', async (ctx) => {
    if (!(await hasIPv6())) return ctx.skip('no ::1 on this machine');
    const v6 = await responder('::1');
    try {
      expect(await timed(checkDns)(target('dns', '::1', v6.port))).toMatchObject({ ok: true, detail: 'DNS NOERROR' });
    } finally {
      await v6.close();
    }
  });
});
