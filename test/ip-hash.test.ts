/**
 * ip-hash end to end (issue 3): the client is the EDNS Client Subnet when the resolver sends one,
 * else the packet's source address (the client socket is bound to 127.x.y.z: Linux routes all of
 * 127/8 to lo). The same client sticks to one member; the ECS SCOPE PREFIX-LENGTH in the reply says
 * how much of the address the answer depended on — the hashed prefix for ip-hash, 0 for answers
 * that do not depend on the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { one, poolZone, replyEcs, withEcs } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';
import { describeWith } from './helpers/tools.js';

const FOUR = `
      - { name: m1, address: 192.0.2.11 }
      - { name: m2, address: 192.0.2.12 }
      - { name: m3, address: 192.0.2.13 }
      - { name: m4, address: 192.0.2.14 }
      - { name: s1, address: "2001:db8::11" }
      - { name: s2, address: "2001:db8::12" }
      - { name: s3, address: "2001:db8::13" }
      - { name: s4, address: "2001:db8::14" }`;
const PAIR = '[{ name: a, address: 192.0.2.21 }, { name: b, address: 192.0.2.22, weight: 2 }]';
const PARKED = '[{ name: p, address: 192.0.2.31, weight: 0 }]';
const BY_CLIENT = ['sticky', 'wide', 'exact', 'front'];
const OTHERS = ['round-robin', 'weighted-round-robin', 'random', 'weighted-random', 'least-connections', 'weighted-least-connections'];

const ZONE = poolZone(
  'hash.test.',
  [...BY_CLIENT, ...OTHERS, 'parked'].map((p) => `  - { name: ${p}, pool: ${p} }`).join('\n') + '\n  - { name: static, type: A, data: 192.0.2.99 }',
  `
  sticky:
    algorithm: ip-hash
    members:${FOUR}
  wide:
    algorithm: ip-hash
    hash-prefix: { v4: 16, v6: 48 }
    members:${FOUR}
  exact:
    algorithm: ip-hash
    hash-prefix: { v4: 32, v6: 128 }
    members:${FOUR}
  front: { algorithm: round-robin, fallback: { pool: sticky }, members: ${PARKED} }
  parked: { algorithm: ip-hash, members: ${PARKED} }
${OTHERS.map((a) => `  ${a}: { algorithm: ${a}, members: ${PAIR} }`).join('\n')}
`,
);

let s: TestServer;
beforeAll(async () => {
  s = await startServer(ZONE);
});
afterAll(() => s?.close());

/** The member address answered to `subnet` (ECS) or to a query from source `from`. */
async function member(name: string, client: { subnet?: string; from?: string; type?: string }): Promise<string> {
  const opts = { type: client.type ?? 'A', localAddress: client.from };
  return one(await query(s.port, `${name}.hash.test`, client.subnet ? withEcs(client.subnet, opts) : opts));
}

async function distinct(name: string, clients: Array<{ subnet?: string; from?: string; type?: string }>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of clients) out.add(await member(name, c));
  return out;
}

/** [source prefix, scope prefix, address] of the ECS option in the reply to `subnet`. */
async function scope(name: string, subnet: string, type = 'A'): Promise<[number, number, string] | undefined> {
  const r = await query(s.port, `${name}.hash.test`, withEcs(subnet, { type }));
  expect(r.rcode).toBe('NOERROR');
  const e = replyEcs(r);
  return e && [e.sourcePrefixLength, e.scopePrefixLength, e.ip];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ip-hash keeps a client on one member', () => {
  it('the same source address gets the same member across many queries', async () => {
    for (const from of ['127.0.0.7', '127.1.2.3', '127.200.0.1']) {
      expect((await distinct('sticky', range(25).map(() => ({ from })))).size).toBe(1);
    }
  });

  it('source addresses in the same /24 map together; different /24s spread over the members', async () => {
    expect((await distinct('sticky', range(30).map((i) => ({ from: `127.0.0.${i * 8 + 2}` })))).size).toBe(1);
    expect(await distinct('sticky', range(64).map((i) => ({ from: `127.0.${i}.1` })))).toEqual(new Set(['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']));
  });

  it('the same ECS subnet gets the same member whatever the source address', async () => {
    const clients = range(24).map((i) => ({ subnet: '203.0.113.0/24', from: `127.${i}.0.9` }));
    expect((await distinct('sticky', clients)).size).toBe(1);
  });

  it('different ECS /24s spread over all members; addresses inside one /24 map together', async () => {
    expect((await distinct('sticky', range(64).map((i) => ({ subnet: `10.0.${i}.0/24` })))).size).toBe(4);
    const inside = ['203.0.113.0/24', '203.0.113.5/32', '203.0.113.77/32', '203.0.113.128/25', '203.0.113.250/31'];
    expect((await distinct('sticky', inside.map((subnet) => ({ subnet })))).size).toBe(1);
  });

  it('IPv6: ECS /56 sticks, /64s inside one /56 map together, different /56s spread', async () => {
    const inside = ['2001:db8:aa:100::/56', '2001:db8:aa:100::/64', '2001:db8:aa:1ff::/64', '2001:db8:aa:1ab:cd00::/72'];
    for (const type of ['A', 'AAAA']) expect((await distinct('sticky', inside.map((subnet) => ({ subnet, type })))).size).toBe(1);
    const spread = await distinct('sticky', range(64).map((i) => ({ subnet: `2001:db8:${i.toString(16)}::/56`, type: 'AAAA' })));
    expect(spread).toEqual(new Set(['2001:db8::11', '2001:db8::12', '2001:db8::13', '2001:db8::14']));
  });

  it('hash-prefix widens what maps together: with v4: 16 two /24s of one /16 share a member', async () => {
    const clients = range(32).map((i) => ({ subnet: `198.51.${i * 7}.0/24` }));
    expect((await distinct('wide', clients)).size).toBe(1);
  });

  it('also through a fallback into an ip-hash pool', async () => {
    for (const subnet of ['203.0.113.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']) {
      expect([subnet, await member('front', { subnet })]).toEqual([subnet, await member('sticky', { subnet })]);
    }
    expect((await distinct('front', range(64).map((i) => ({ subnet: `10.0.${i}.0/24` })))).size).toBe(4);
  });
});

describe('ECS SCOPE PREFIX-LENGTH in the reply', () => {
  it('is the hashed prefix for ip-hash: 24 for IPv4 by default, 56 for IPv6', async () => {
    expect(await scope('sticky', '203.0.113.0/24')).toEqual([24, 24, '203.0.113.0']);
    expect(await scope('sticky', '2001:db8:aa:100::/56', 'AAAA')).toEqual([56, 56, '2001:db8:aa:100::']);
    expect(await scope('sticky', '2001:db8:aa:100::/56', 'A')).toEqual([56, 56, '2001:db8:aa:100::']);
  });

  it('follows hash-prefix', async () => {
    expect(await scope('wide', '203.0.113.0/24')).toEqual([24, 16, '203.0.113.0']);
    expect(await scope('wide', '2001:db8:aa:100::/56', 'AAAA')).toEqual([56, 48, '2001:db8:aa:100::']);
    expect(await scope('exact', '203.0.113.0/24')).toEqual([24, 24, '203.0.113.0']);
    expect(await scope('front', '203.0.113.0/24')).toEqual([24, 24, '203.0.113.0']);
  });

  it('is min(source prefix, hash prefix) when the resolver sends a shorter source prefix', async () => {
    expect(await scope('sticky', '203.0.0.0/16')).toEqual([16, 16, '203.0.0.0']);
    expect(await scope('sticky', '203.0.112.0/20')).toEqual([20, 20, '203.0.112.0']);
    expect(await scope('sticky', '2001:db8::/32', 'AAAA')).toEqual([32, 32, '2001:db8::']);
    expect(await scope('sticky', '0.0.0.0/0')).toEqual([0, 0, '0.0.0.0']);
  });

  it('cuts a source prefix longer than the privacy limit (/24, /56) to it, even when hash-prefix is longer', async () => {
    expect(await scope('sticky', '203.0.113.5/32')).toEqual([32, 24, '203.0.113.5']);
    expect(await scope('exact', '203.0.113.5/32')).toEqual([32, 24, '203.0.113.5']);
    expect(await scope('exact', '2001:db8:aa:100::1/128', 'AAAA')).toEqual([128, 56, '2001:db8:aa:100::1']);
    const inside = ['203.0.113.5/32', '203.0.113.77/32', '203.0.113.0/24'];
    expect((await distinct('exact', inside.map((subnet) => ({ subnet })))).size).toBe(1);
  });

  it('is 0 for the other algorithms, for static records and for fallback: all', async () => {
    for (const name of [...OTHERS, 'static', 'parked']) {
      expect([name, await scope(name, '203.0.113.0/24')]).toEqual([name, [24, 0, '203.0.113.0']]);
    }
    expect(await scope('round-robin', '2001:db8:aa:100::/56')).toEqual([56, 0, '2001:db8:aa:100::']);
  });

  it('is absent when the query had no ECS option (with or without EDNS)', async () => {
    const edns = await query(s.port, 'sticky.hash.test', { edns: true, localAddress: '127.0.0.7' });
    expect(one(edns)).toBe(await member('sticky', { from: '127.0.0.7' }));
    const opt = (edns.additionals ?? []).filter((a) => a.type === 'OPT') as unknown as Array<{ options: unknown[] }>;
    expect(opt.map((o) => o.options)).toEqual([[]]);
    expect(replyEcs(edns)).toBeUndefined();
    const plain = await query(s.port, 'sticky.hash.test', { localAddress: '127.0.0.7' });
    expect(plain.additionals ?? []).toEqual([]);
  });
});

describeWith(['dig', 'kdig'], 'ECS with dig and kdig +subnet', () => {
  it('dig shows the scope: /24/24 for ip-hash, /24/0 for round-robin, /16/16 for a /16 source', async () => {
    const r = await dig(s.port, 'sticky.hash.test A +norec +subnet=203.0.113.0/24');
    expect([r.status, r.answer]).toEqual(['NOERROR', [`sticky.hash.test. 30 IN A ${await member('sticky', { subnet: '203.0.113.0/24' })}`]]);
    expect(r.edns?.options['CLIENT-SUBNET']).toBe('203.0.113.0/24/24');
    expect((await dig(s.port, 'round-robin.hash.test A +subnet=203.0.113.0/24')).edns?.options['CLIENT-SUBNET']).toBe('203.0.113.0/24/0');
    expect((await dig(s.port, 'sticky.hash.test A +subnet=203.0.0.0/16')).edns?.options['CLIENT-SUBNET']).toBe('203.0.0.0/16/16');
  });

  it('kdig: an IPv6 /64 is cut to /56, and sticks with the /56', async () => {
    const r = await kdig(s.port, 'sticky.hash.test AAAA +subnet=2001:db8:aa:1ff::/64');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([`sticky.hash.test. 30 IN AAAA ${await member('sticky', { subnet: '2001:db8:aa:100::/56', type: 'AAAA' })}`]);
    expect(r.edns?.options['CLIENT-SUBNET']).toBe('2001:db8:aa:1ff::/64/56');
  });
});
