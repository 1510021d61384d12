/**
 * explain() against a running server's snapshot (issue 3): what each stage decided — zone, pool,
 * eligible members and why others are not, what the algorithm chose and why, TTL, ECS scope — and
 * that it agrees with real queries without disturbing them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../src/pipeline/explain.js';
import { query } from './helpers/client.js';
import { one, poolZone, sequence, withEcs } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';

const SOA = 'ex.test. 60 IN SOA ns.ex.test. hostmaster.ex.test. 1 3600 600 604800 60';
const ZONE = poolZone(
  'ex.test.',
  ['web', 'sticky', 'wide', 'lc', 'wrr', 'wrand', 'parked', 'front', 'empty', 'v4only']
    .map((p) => `  - { name: ${p}, pool: ${p} }`)
    .join('\n') +
    `
  - { name: alias, type: CNAME, data: web }
  - { name: static, type: A, data: 192.0.2.99 }`,
  `
  web:
    algorithm: round-robin
    ttl: 20
    members:
      - { name: a, address: 192.0.2.10 }
      - { name: b, address: 192.0.2.11, enabled: false }
      - { name: c, address: 192.0.2.12, weight: 0 }
      - { name: d, address: 192.0.2.13 }
      - { name: a6, address: "2001:db8::10" }
  sticky: { algorithm: ip-hash, members: [{ name: s1, address: 192.0.2.21 }, { name: s2, address: 192.0.2.22 }, { name: t1, address: "2001:db8::21" }] }
  wide: { algorithm: ip-hash, hash-prefix: { v4: 16, v6: 48 }, members: [{ name: s1, address: 192.0.2.21 }] }
  lc: { algorithm: least-connections, members: [{ name: a, address: 192.0.2.10 }, { name: b, address: 192.0.2.11 }] }
  wrr: { algorithm: weighted-round-robin, members: [{ name: a, address: 192.0.2.10, weight: 5 }, { name: b, address: 192.0.2.11 }] }
  wrand: { algorithm: weighted-random, members: [{ name: a, address: 192.0.2.10, weight: 3 }, { name: z, address: 192.0.2.19, weight: 0 }] }
  parked: { algorithm: random, members: [{ name: p1, address: 192.0.2.31, weight: 0 }, { name: p2, address: 192.0.2.32, enabled: false }] }
  front: { algorithm: random, fallback: { pool: sticky }, members: [{ name: p1, address: 192.0.2.31, enabled: false }] }
  empty: { algorithm: random, fallback: none, empty: servfail, members: [{ name: p1, address: 192.0.2.31, weight: 0 }] }
  v4only: { algorithm: random, members: [{ name: a, address: 192.0.2.10 }] }
`,
);

let s: TestServer;
beforeAll(async () => {
  s = await startServer(ZONE);
});
afterAll(() => s?.close());

const ex = (name: string, more: { type?: string; client?: string; subnet?: string } = {}) => explain(s.app.snapshot(), { name, ...more });
const WEB_ELIGIBILITY = 'balance: pool "web" (round-robin, IPv4): eligible a, d; not eligible: b (enabled: false), c (weight 0)';

describe('explain a pool answer', () => {
  it('names the zone, the pool, the eligible members, why the others are not, the choice and the TTL', () => {
    const r = ex('web.ex.test');
    expect(r).toEqual({
      rcode: 'NOERROR',
      aa: true,
      answer: ['web.ex.test. 20 IN A 192.0.2.10'],
      authority: [],
      additional: [],
      ecsScope: null,
      steps: [
        'query: web.ex.test. A from 127.0.0.1',
        'zone: ex.test. (serial 1)',
        'lookup: name is served by pool "web"',
        WEB_ELIGIBILITY,
        'balance: chose a — round-robin: position 1 of 2 → a (next query starts at d); TTL 20',
      ],
    });
  });

  it('predicts the next real answer and leaves the live rotation alone', async () => {
    const before = ex('web.ex.test').answer;
    expect(ex('web.ex.test').answer).toEqual(before);
    expect([`web.ex.test. 20 IN A ${one(await query(s.port, 'web.ex.test'))}`]).toEqual(before);
    expect(ex('web.ex.test').steps.at(-1)).toBe('balance: chose d — round-robin: position 2 of 2 → d (next query starts at a); TTL 20');
    expect((await sequence(s.port, 'web.ex.test', 3)).map(one)).toEqual(['192.0.2.13', '192.0.2.10', '192.0.2.13']);
  });

  it('follows a CNAME into a pool, and says NODATA when the pool has no member of the family', () => {
    expect(ex('alias.ex.test').steps.slice(2)).toEqual(['lookup: followed 1 CNAME(s), name is served by pool "web"', WEB_ELIGIBILITY, expect.stringMatching(/^balance: chose [ad] — round-robin: .*; TTL 20$/)]);
    const r = ex('alias.ex.test', { type: 'AAAA' });
    expect(r.answer[0]).toBe('alias.ex.test. 300 IN CNAME web.ex.test.');
    expect(r.answer[1]).toMatch(/^web\.ex\.test\. 20 IN AAAA 2001:db8::10$/);
    const v6 = ex('v4only.ex.test', { type: 'AAAA' });
    expect([v6.rcode, v6.answer, v6.authority, v6.steps.slice(2)]).toEqual([
      'NOERROR',
      [],
      [SOA],
      ['lookup: name is served by pool "v4only"', 'balance: pool "v4only" has no IPv6 members → NODATA'],
    ]);
  });

  it('explains weighted choices', () => {
    expect(ex('wrr.ex.test').steps.slice(3)).toEqual([
      'balance: pool "wrr" (weighted-round-robin, IPv4): eligible a, b',
      'balance: chose a — weighted-round-robin: schedule position 1 of 6 → a (weight 5); TTL 30',
    ]);
    expect(ex('wrand.ex.test').steps.slice(3)).toEqual([
      'balance: pool "wrand" (weighted-random, IPv4): eligible a; not eligible: z (weight 0)',
      'balance: chose a — weighted-random: a drawn by weight 3 of 3 (100.0% chance); TTL 30',
    ]);
  });

  it('explains least-connections with the answers handed out by real queries', async () => {
    expect(ex('lc.ex.test').steps.at(-1)).toBe('balance: chose a — least-connections: a has lowest load 0 (no fresh figure + 0 handed out), of 2 members; TTL 30');
    expect((await sequence(s.port, 'lc.ex.test', 3)).map(one)).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.10']);
    expect(ex('lc.ex.test').steps.at(-1)).toMatch(/^balance: chose b — least-connections: b has lowest load (1|0\.9\d) \(no fresh figure \+ (1|0\.9\d) handed out\), of 2 members; TTL 30$/);
  });
});

describe('explain ip-hash and ECS', () => {
  it('shows the client subnet, the key, the chosen member and the ECS scope; agrees with a real ECS query', async () => {
    const r = ex('sticky.ex.test', { subnet: '203.0.113.0/24' });
    expect(r.ecsScope).toBe(24);
    expect(r.steps[0]).toBe('query: sticky.ex.test. A from 127.0.0.1 with ECS 203.0.113.0/24');
    expect(r.steps.slice(3)).toEqual([
      'client: EDNS Client Subnet 203.0.113.0/24',
      'balance: pool "sticky" (ip-hash, IPv4): eligible s1, s2',
      expect.stringMatching(/^balance: chose (s1|s2) — ip-hash: key 203\.0\.113\.0 → slot \d+ of 65537 → \1; TTL 30$/),
      'ECS: source prefix /24, scope prefix /24',
    ]);
    const real = await query(s.port, 'sticky.ex.test', withEcs('203.0.113.0/24'));
    expect(r.answer).toEqual([`sticky.ex.test. 30 IN A ${one(real)}`]);
  });

  it('cuts a long source prefix to the privacy limit and shows the hashed prefix as the scope', () => {
    const r = ex('sticky.ex.test', { subnet: '203.0.113.5/32' });
    expect(r.steps).toContain('client: EDNS Client Subnet 203.0.113.0/24');
    expect(r.steps.at(-1)).toBe('ECS: source prefix /32, scope prefix /24');
    expect(r.answer).toEqual(ex('sticky.ex.test', { subnet: '203.0.113.0/24' }).answer);
    const wide = ex('wide.ex.test', { subnet: '2001:db8:aa:100::/56', type: 'A' });
    expect(wide.steps.slice(3)).toEqual([
      'client: EDNS Client Subnet 2001:db8:aa:100::/56',
      'balance: pool "wide" (ip-hash, IPv4): eligible s1',
      expect.stringMatching(/^balance: chose s1 — ip-hash: key 2001:db8:aa:: → slot \d+ of 65537 → s1; TTL 30$/),
      'ECS: source prefix /56, scope prefix /48',
    ]);
  });

  it('uses the source address without ECS, as a real query from that address does', async () => {
    const r = ex('sticky.ex.test', { client: '127.9.9.9' });
    expect(r.ecsScope).toBeNull();
    expect(r.steps[3]).toBe('client: source address 127.9.9.9/32');
    expect(r.steps[5]).toMatch(/ip-hash: key 127\.9\.9\.0 → /);
    expect(r.answer).toEqual([`sticky.ex.test. 30 IN A ${one(await query(s.port, 'sticky.ex.test', { localAddress: '127.9.9.9' }))}`]);
  });

  it('shows scope 0 for answers that do not depend on the client', () => {
    expect(ex('web.ex.test', { subnet: '203.0.113.0/24' }).steps.at(-1)).toBe('ECS: source prefix /24, scope prefix /0');
    const st = ex('static.ex.test', { subnet: '203.0.113.0/24' });
    expect([st.answer, st.ecsScope, st.steps.slice(2)]).toEqual([
      ['static.ex.test. 300 IN A 192.0.2.99'],
      0,
      ['lookup: NOERROR', 'ECS: source prefix /24, scope prefix /0'],
    ]);
  });
});

describe('explain fallback, NXDOMAIN and REFUSED', () => {
  it('fallback all: every enabled member', () => {
    const r = ex('parked.ex.test');
    expect([r.answer, r.steps.slice(3)]).toEqual([
      ['parked.ex.test. 30 IN A 192.0.2.31'],
      [
        'balance: pool "parked" (random, IPv4): eligible none; not eligible: p1 (weight 0), p2 (enabled: false)',
        'balance: no eligible member in pool "parked"; fallback all → every enabled member, health ignored',
      ],
    ]);
  });

  it('fallback to another pool, and fallback none → SERVFAIL', () => {
    const r = ex('front.ex.test', { subnet: '198.51.100.0/24' });
    expect(r.steps.slice(3, 7)).toEqual([
      'client: EDNS Client Subnet 198.51.100.0/24',
      'balance: pool "front" (random, IPv4): eligible none; not eligible: p1 (enabled: false)',
      'balance: no eligible member in pool "front"; falling back to pool "sticky"',
      'balance: pool "sticky" (ip-hash, IPv4): eligible s1, s2',
    ]);
    expect(r.steps.at(-1)).toBe('ECS: source prefix /24, scope prefix /24');
    const e = ex('empty.ex.test');
    expect([e.rcode, e.aa, e.answer, e.steps.slice(3)]).toEqual([
      'SERVFAIL',
      false,
      [],
      ['balance: pool "empty" (random, IPv4): eligible none; not eligible: p1 (weight 0)', 'balance: no eligible member in pool "empty"; fallback none → SERVFAIL'],
    ]);
  });

  it('NXDOMAIN and REFUSED', () => {
    expect(ex('nope.ex.test')).toEqual({
      rcode: 'NXDOMAIN',
      aa: true,
      answer: [],
      authority: [SOA],
      additional: [],
      ecsScope: null,
      steps: ['query: nope.ex.test. A from 127.0.0.1', 'zone: ex.test. (serial 1)', 'lookup: NXDOMAIN'],
    });
    const refused = ex('www.elsewhere.test', { subnet: '203.0.113.0/24' });
    expect([refused.rcode, refused.aa, refused.ecsScope, refused.steps]).toEqual([
      'REFUSED',
      false,
      0,
      ['query: www.elsewhere.test. A from 127.0.0.1 with ECS 203.0.113.0/24', 'zone: no zone served here contains the name → REFUSED', 'ECS: source prefix /24, scope prefix /0'],
    ]);
  });
});
