/**
 * Authoritative data over real sockets (issue 2, continued from responder.test.ts): CNAME chains
 * inside and across zones, CNAMEs leaving our zones, loops, wildcards per RFC 4592, NS at the
 * apex, referrals at and under a delegation, additional addresses for NS / MX / SRV targets, and
 * several zones at once with the most specific answering.
 * Zones: EXAMPLE_ZONE (test/helpers/server.ts), WILD_ZONE, PARENT_ZONE, KID_ZONE (helpers/zones.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ZONE, startServer, type TestServer } from './helpers/server.js';
import { KID_ZONE, PARENT_ZONE, WILD_ZONE } from './helpers/zones.js';
import { query, rr } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { describeWith } from './helpers/tools.js';
import { errorCode, resolver } from './helpers/raw.js';

const WWW = 'www.lb.example.test. 30 IN A 192.0.2.10';
const SOA_LB = 'lb.example.test. 60 IN SOA ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60';
const SOA_WILD = 'wild.test. 60 IN SOA ns.wild.test. hostmaster.wild.test. 1 3600 600 604800 60';
const SOA_KID = 'kid.parent.test. 30 IN SOA ns1.kid.parent.test. hostmaster.parent.test. 2 3600 600 604800 30';

let srv: TestServer;
let port: number;

beforeAll(async () => {
  srv = await startServer([EXAMPLE_ZONE, WILD_ZONE, PARENT_ZONE, KID_ZONE]);
  port = srv.port;
});
afterAll(() => srv.close());

describeWith(['dig', 'kdig'], 'CNAME', () => {
  it('followed inside the zone: the chain in the answer, AA', async () => {
    const r = await dig(port, 'docs.lb.example.test A +norec');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual(['docs.lb.example.test. 300 IN CNAME www.lb.example.test.', WWW]);
    expect(r.authority).toEqual([]);
    const cased = await dig(port, 'DoCs.lb.example.TEST A');
    expect(cased.answer).toEqual(['DoCs.lb.example.TEST. 300 IN CNAME www.lb.example.test.', WWW]);
  });

  it('asked for the CNAME itself: only the CNAME', async () => {
    const r = await kdig(port, 'docs.lb.example.test CNAME');
    expect(r.answer).toEqual(['docs.lb.example.test. 300 IN CNAME www.lb.example.test.']);
  });

  it('chain ending in NODATA carries the SOA of the last zone', async () => {
    const r = await dig(port, 'docs.lb.example.test MX +norec');
    expect([r.status, r.answer, r.authority]).toEqual(['NOERROR', ['docs.lb.example.test. 300 IN CNAME www.lb.example.test.'], [SOA_LB]]);
  });

  it('across zones served by the same server (three hops through two zones)', async () => {
    const r = await dig(port, 'back.kid.parent.test A +norec');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual([
      'back.kid.parent.test. 300 IN CNAME alias.parent.test.',
      'alias.parent.test. 300 IN CNAME www.lb.example.test.',
      WWW,
    ]);
    const kid = await kdig(port, 'kidalias.parent.test A');
    expect(kid.answer).toEqual(['kidalias.parent.test. 300 IN CNAME www.kid.parent.test.', 'www.kid.parent.test. 300 IN A 192.0.2.73']);
    const addrs = await resolver(port).resolve4('alias.parent.test', { ttl: true });
    expect(addrs).toEqual([{ address: '192.0.2.10', ttl: 30 }]);
  });

  it('a CNAME to a name outside our zones stops there (the resolver follows it)', async () => {
    const r = await dig(port, 'out.lb.example.test A +norec');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual(['out.lb.example.test. 300 IN CNAME www.elsewhere.example.']);
    expect(r.authority).toEqual([]);
  });

  it('a CNAME loop terminates, each link once', async () => {
    const r = await dig(port, 'loop1.lb.example.test A +norec');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([
      'loop1.lb.example.test. 300 IN CNAME loop2.lb.example.test.',
      'loop2.lb.example.test. 300 IN CNAME loop1.lb.example.test.',
    ]);
    expect(await resolver(port).resolveCname('loop2.lb.example.test')).toEqual(['loop1.lb.example.test']);
  });
});

describeWith(['dig', 'kdig'], 'wildcards (RFC 4592)', () => {
  it('synthesises the answer under the asked name, at any depth below the closest encloser', async () => {
    for (const name of ['foo.wild.test', 'FoO.Wild.test', 'a.b.c.wild.test']) {
      const r = await dig(port, `${name} A +norec`);
      expect(r.flags, name).toEqual(new Set(['qr', 'aa']));
      expect(r.answer, name).toEqual([`${name}. 300 IN A 192.0.2.100`]);
    }
    expect((await kdig(port, 'x.apps.lb.example.test A')).answer).toEqual(['x.apps.lb.example.test. 300 IN A 192.0.2.20']);
  });

  it('does not match names that exist, nor names below an empty non-terminal', async () => {
    const host = await dig(port, 'host.wild.test TXT +norec');
    expect([host.status, host.answer, host.authority]).toEqual(['NOERROR', [], [SOA_WILD]]);
    const ent = await dig(port, 'ent.wild.test A +norec');
    expect([ent.status, ent.answer, ent.authority]).toEqual(['NOERROR', [], [SOA_WILD]]);
    const below = await dig(port, 'x.ent.wild.test A +norec');
    expect([below.status, below.answer, below.authority]).toEqual(['NXDOMAIN', [], [SOA_WILD]]);
    const apps = await kdig(port, 'apps.lb.example.test A');
    expect([apps.status, apps.answer]).toEqual(['NOERROR', []]);
  });

  it('NODATA at a wildcard for other types', async () => {
    const r = await dig(port, 'foo.wild.test AAAA +norec');
    expect([r.status, r.answer, r.authority]).toEqual(['NOERROR', [], [SOA_WILD]]);
    expect(await errorCode(resolver(port).resolveTxt('foo.wild.test'))).toBe('ENODATA');
  });

  it('a wildcard CNAME is synthesised and followed', async () => {
    const r = await dig(port, 'x.cn.wild.test A +norec');
    expect(r.answer).toEqual(['x.cn.wild.test. 300 IN CNAME host.wild.test.', 'host.wild.test. 300 IN A 192.0.2.2']);
    const cn = await kdig(port, 'cn.wild.test A');
    expect([cn.status, cn.answer]).toEqual(['NOERROR', []]);
  });

  it('the wildcard owner asked literally', async () => {
    const r = await query(port, '*.wild.test');
    expect(r.answers?.map(rr)).toEqual(['*.wild.test. 300 IN A 192.0.2.100']);
  });
});

describeWith(['dig', 'kdig'], 'NS, referrals and additional addresses', () => {
  it('NS at the apex, with the name servers\' addresses in additional', async () => {
    const r = await dig(port, 'lb.example.test NS +norec');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual(['lb.example.test. 300 IN NS ns1.lb.example.test.', 'lb.example.test. 300 IN NS ns2.lb.example.test.']);
    expect(r.additional).toEqual(['ns1.lb.example.test. 300 IN A 192.0.2.53', 'ns2.lb.example.test. 300 IN A 192.0.2.54']);
    expect((await resolver(port).resolveNs('lb.example.test')).sort()).toEqual(['ns1.lb.example.test', 'ns2.lb.example.test']);
  });

  it('referral for names at and under a delegation: NS in authority, glue in additional, AA clear', async () => {
    for (const [name, type] of [['child.lb.example.test', 'A'], ['www.child.lb.example.test', 'A'], ['a.b.child.lb.example.test', 'MX'], ['ns1.child.lb.example.test', 'A'], ['child.lb.example.test', 'NS']]) {
      const r = await dig(port, `${name} ${type} +norec`);
      expect(r.status, name).toBe('NOERROR');
      expect(r.flags, name).toEqual(new Set(['qr']));
      expect(r.answer, name).toEqual([]);
      expect(r.authority, name).toEqual(['child.lb.example.test. 300 IN NS ns1.child.lb.example.test.']);
      expect(r.additional, name).toEqual(['ns1.child.lb.example.test. 300 IN A 192.0.2.60']);
    }
  });

  it('a CNAME into another zone\'s delegation stops at the cut: the CNAME only, with AA', async () => {
    const r = await kdig(port, 'tochild.parent.test A +norec');
    expect([r.status, r.flags]).toEqual(['NOERROR', new Set(['qr', 'aa'])]);
    expect(r.answer).toEqual(['tochild.parent.test. 300 IN CNAME www.child.lb.example.test.']);
    expect([r.authority, r.additional]).toEqual([[], []]);
  });

  it('MX and SRV targets inside our zones get their addresses in additional', async () => {
    const mx = await kdig(port, 'lb.example.test MX +norec');
    expect(mx.answer).toEqual(['lb.example.test. 300 IN MX 10 mail.lb.example.test.']);
    expect(mx.additional).toEqual(['mail.lb.example.test. 300 IN A 192.0.2.25']);
    const srv = await dig(port, '_sip._tcp.lb.example.test SRV +norec');
    expect(srv.answer).toEqual(['_sip._tcp.lb.example.test. 300 IN SRV 10 5 5060 sip.lb.example.test.']);
    expect(srv.additional).toEqual(['sip.lb.example.test. 300 IN A 192.0.2.40']);
    const viaNode = await resolver(port).resolveSrv('_sip._tcp.lb.example.test');
    expect(viaNode).toEqual([{ name: 'sip.lb.example.test', port: 5060, priority: 10, weight: 5 }]);
  });
});

describeWith(['dig', 'kdig'], 'several zones; the most specific answers', () => {
  it('each zone answers its own names with its own SOA', async () => {
    expect((await dig(port, 'parent.test SOA')).answer).toEqual(['parent.test. 300 IN SOA ns1.parent.test. hostmaster.parent.test. 1 3600 600 604800 60']);
    expect((await dig(port, 'www.parent.test A')).answer).toEqual(['www.parent.test. 300 IN A 192.0.2.71']);
    expect((await kdig(port, 'www.lb.example.test A')).answer).toEqual([WWW]);
    expect((await kdig(port, 'foo.wild.test A')).answer).toEqual(['foo.wild.test. 300 IN A 192.0.2.100']);
  });

  it('a child zone served here answers with AA instead of the parent\'s referral', async () => {
    const r = await dig(port, 'www.kid.parent.test A +norec');
    expect(r.flags).toEqual(new Set(['qr', 'aa']));
    expect(r.answer).toEqual(['www.kid.parent.test. 300 IN A 192.0.2.73']);
    expect(r.authority).toEqual([]);
    const apex = await dig(port, 'kid.parent.test NS +norec');
    expect(apex.flags).toEqual(new Set(['qr', 'aa']));
    expect(apex.answer).toEqual(['kid.parent.test. 300 IN NS ns1.kid.parent.test.']);
    expect(apex.additional).toEqual(['ns1.kid.parent.test. 300 IN A 192.0.2.72']);
    const nx = await kdig(port, 'nope.kid.parent.test A');
    expect([nx.status, nx.flags.has('aa'), nx.authority]).toEqual(['NXDOMAIN', true, [SOA_KID]]);
  });
});
