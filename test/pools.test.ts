/**
 * Pools end to end (issue 3): pool records answer A and AAAA from the pool's members, chosen by
 * the pool's algorithm, over real UDP queries to a server on loopback. Sequences and proportions
 * are checked over consecutive queries; fallback, CNAME chains into pools, and balancing state
 * across zone changes are checked too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from './helpers/client.js';
import { dig } from './helpers/dig.js';
import { addrs, burst, lines, named, one, poolZone, sequence, shares, zoneDef } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';
import { describeWith } from './helpers/tools.js';

const ORIGIN = 'pools.test.';
const SOA = 'pools.test. 60 IN SOA ns.pools.test. hostmaster.pools.test. 1 3600 600 604800 60';
/** a, b, c at 192.0.2.10-12 and a disabled member at .13 between b and c */
const ABC = `[{ name: a, address: 192.0.2.10 }, { name: b, address: 192.0.2.11 },
               { name: off, address: 192.0.2.13, enabled: false }, { name: c, address: 192.0.2.12 }]`;
const NAMES: Record<string, string> = { '192.0.2.10': 'a', '192.0.2.11': 'b', '192.0.2.12': 'c', '192.0.2.13': 'off' };
/** members that are never eligible: weight 0, or disabled */
const PARKED = '[{ name: p1, address: 192.0.2.31, weight: 0 }, { name: p2, address: 192.0.2.32, weight: 0 }]';
const OFF = '[{ name: o1, address: 192.0.2.41, enabled: false }, { name: o2, address: 192.0.2.42, enabled: false }]';
const POOLS = ['www', 'v4only', 'short', 'multi', 'many', 'rr', 'rr2', 'wrr', 'wrand', 'rand', 'lc', 'parked', 'alloff', 'none', 'servfail', 'primary', 'offprimary', 'offservfail'];

const ZONE = poolZone(
  ORIGIN,
  `${POOLS.map((p) => `  - { name: ${p}, pool: ${p} }`).join('\n')}
  - { name: www, type: TXT, data: not from the pool }
  - { name: alias, type: CNAME, data: www }
  - { name: alias2, type: CNAME, data: alias }`,
  `
  www:
    algorithm: round-robin
    members:
      - { name: a, address: 192.0.2.10 }
      - { name: b, address: 192.0.2.11 }
      - { name: off, address: 192.0.2.13, enabled: false }
      - { name: c, address: 192.0.2.12 }
      - { name: a6, address: "2001:db8::10" }
      - { name: b6, address: "2001:DB8:0::11" }
  v4only: { algorithm: random, members: [{ name: a, address: 192.0.2.20 }] }
  short: { algorithm: round-robin, ttl: 5, members: [{ name: a, address: 192.0.2.21 }] }
  multi:
    algorithm: round-robin
    answers: 3
    members:
      - { name: a, address: 192.0.2.10 }
      - { name: b, address: 192.0.2.11 }
      - { name: off, address: 192.0.2.13, enabled: false }
      - { name: c, address: 192.0.2.12 }
      - { name: d, address: 192.0.2.14 }
      - { name: a6, address: "2001:db8::10" }
      - { name: b6, address: "2001:db8::11" }
  many: { algorithm: random, answers: 8, members: ${ABC} }
  rr: { algorithm: round-robin, members: ${ABC} }
  rr2: { algorithm: round-robin, answers: 2, members: ${ABC} }
  wrr:
    algorithm: weighted-round-robin
    members:
      - { name: a, address: 192.0.2.10, weight: 5 }
      - { name: b, address: 192.0.2.11, weight: 1 }
      - { name: c, address: 192.0.2.12, weight: 1 }
  wrand:
    algorithm: weighted-random
    members:
      - { name: a, address: 192.0.2.10, weight: 6 }
      - { name: b, address: 192.0.2.11, weight: 3 }
      - { name: c, address: 192.0.2.12, weight: 1 }
  rand: { algorithm: random, members: ${ABC} }
  lc: { algorithm: least-connections, members: ${ABC} }
  parked:
    algorithm: round-robin
    members:
      - { name: p1, address: 192.0.2.31, weight: 0 }
      - { name: p2, address: 192.0.2.32, weight: 0 }
      - { name: o1, address: 192.0.2.41, enabled: false }
  alloff: { algorithm: round-robin, members: ${OFF} }
  none: { algorithm: round-robin, fallback: none, members: ${PARKED} }
  servfail: { algorithm: round-robin, fallback: none, empty: servfail, members: ${PARKED} }
  primary: { algorithm: round-robin, fallback: { pool: backup }, members: ${PARKED} }
  offprimary: { algorithm: round-robin, fallback: { pool: backup }, members: ${OFF} }
  offservfail: { algorithm: round-robin, fallback: none, empty: servfail, members: ${OFF} }
  backup: { algorithm: round-robin, members: [{ name: k1, address: 192.0.2.100 }, { name: k2, address: 192.0.2.101 }] }
`,
);

let s: TestServer;
beforeAll(async () => {
  s = await startServer(ZONE);
});
afterAll(() => s?.close());

const names = async (name: string, times: number) => named((await sequence(s.port, name, times)).map(one), NAMES);

describe('pool records', () => {
  it('answer A from the IPv4 members and AAAA from the IPv6 members, authoritatively, TTL 30 by default', async () => {
    const a = await query(s.port, 'www.pools.test', { type: 'A' });
    expect(a.rcode).toBe('NOERROR');
    expect(a.flag_aa).toBe(true);
    expect(lines(a.answers)).toEqual([`www.pools.test. 30 IN A ${one(a)}`]);
    expect(['192.0.2.10', '192.0.2.11', '192.0.2.12']).toContain(one(a));
    const six = (await sequence(s.port, 'www.pools.test', 4, { type: 'AAAA' })).map(one);
    expect(new Set(six)).toEqual(new Set(['2001:db8::10', '2001:db8::11']));
    const aaaa = await query(s.port, 'www.pools.test', { type: 'AAAA' });
    expect(lines(aaaa.answers)).toEqual([`www.pools.test. 30 IN AAAA ${one(aaaa)}`]);
  });

  it('leave other types at the name to the zone: TXT is static, MX is NODATA', async () => {
    expect(lines((await query(s.port, 'www.pools.test', { type: 'TXT' })).answers)).toEqual(['www.pools.test. 300 IN TXT "not from the pool"']);
    const mx = await query(s.port, 'www.pools.test', { type: 'MX' });
    expect([mx.rcode, lines(mx.answers), lines(mx.authorities)]).toEqual(['NOERROR', [], [SOA]]);
  });

  it('give NODATA with the SOA, not an error, for a family the pool has no members of', async () => {
    const r = await query(s.port, 'v4only.pools.test', { type: 'AAAA' });
    expect([r.rcode, r.flag_aa, lines(r.answers), lines(r.authorities)]).toEqual(['NOERROR', true, [], [SOA]]);
    expect(one(await query(s.port, 'v4only.pools.test'))).toBe('192.0.2.20');
  });

  it('never return a member with enabled: false', async () => {
    const seen = (await burst(s.port, 'rand.pools.test', 300)).map(one);
    expect(new Set(seen)).toEqual(new Set(['192.0.2.10', '192.0.2.11', '192.0.2.12']));
  });

  it("carry the pool's ttl as the answer TTL", async () => {
    expect(lines((await query(s.port, 'short.pools.test')).answers)).toEqual(['short.pools.test. 5 IN A 192.0.2.21']);
  });

  it('return `answers: N` distinct members, or every eligible one when there are fewer', async () => {
    for (const r of await sequence(s.port, 'multi.pools.test', 8)) {
      expect(addrs(r)).toHaveLength(3);
      expect(new Set(addrs(r)).size).toBe(3);
      expect(addrs(r)).not.toContain('192.0.2.13');
    }
    expect(addrs(await query(s.port, 'multi.pools.test', { type: 'AAAA' })).sort()).toEqual(['2001:db8::10', '2001:db8::11']);
    for (const r of await sequence(s.port, 'many.pools.test', 8)) expect(addrs(r).sort()).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']);
  });

  it('answer a CNAME chain into a pool with the chain, then the pool record', async () => {
    const r = await query(s.port, 'alias2.pools.test');
    expect(lines(r.answers)).toEqual([
      'alias2.pools.test. 300 IN CNAME alias.pools.test.',
      'alias.pools.test. 300 IN CNAME www.pools.test.',
      `www.pools.test. 30 IN A ${addrs(r)[0]}`,
    ]);
    expect(['192.0.2.10', '192.0.2.11', '192.0.2.12']).toContain(addrs(r)[0]);
    const six = await query(s.port, 'alias.pools.test', { type: 'AAAA' });
    expect(lines(six.answers)).toEqual(['alias.pools.test. 300 IN CNAME www.pools.test.', `www.pools.test. 30 IN AAAA ${addrs(six)[0]}`]);
  });
});

describe('algorithms over consecutive queries', () => {
  it('round-robin cycles through the eligible members in order', async () => {
    expect(await names('rr.pools.test', 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('round-robin with answers: 2 rotates the list by one per query', async () => {
    const got = (await sequence(s.port, 'rr2.pools.test', 4)).map((r) => named(addrs(r), NAMES).join(' '));
    expect(got).toEqual(['a b', 'b c', 'c a', 'a b']);
  });

  it('weighted-round-robin 5,1,1 gives a a b a c a a, then repeats', async () => {
    expect(await names('wrr.pools.test', 14)).toEqual('a a b a c a a a a b a c a a'.split(' '));
  });

  it('weighted-random 6,3,1 answers in proportion over 3000 queries (±0.04)', async () => {
    const got = shares(named((await burst(s.port, 'wrand.pools.test', 3000)).map(one), NAMES));
    expect(Math.abs(got.a - 0.6)).toBeLessThan(0.04);
    expect(Math.abs(got.b - 0.3)).toBeLessThan(0.04);
    expect(Math.abs(got.c - 0.1)).toBeLessThan(0.04);
  });

  it('random answers each member about equally over 3000 queries (±0.04)', async () => {
    const got = shares(named((await burst(s.port, 'rand.pools.test', 3000)).map(one), NAMES));
    expect(Object.keys(got).sort()).toEqual(['a', 'b', 'c']);
    for (const k of ['a', 'b', 'c']) expect(Math.abs(got[k] - 1 / 3)).toBeLessThan(0.04);
  });

  it('least-connections spreads a burst over the members when no load figure exists (no herd)', async () => {
    const got = shares(named((await burst(s.port, 'lc.pools.test', 60, {}, 60)).map(one), NAMES));
    const counts = Object.values(got).map((x) => Math.round(x * 60));
    expect(Object.keys(got).sort()).toEqual(['a', 'b', 'c']);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe('fallback when no member is eligible', () => {
  it('all (default): every enabled member, weight 0 included, disabled ones never', async () => {
    const r = await query(s.port, 'parked.pools.test');
    expect(lines(r.answers)).toEqual(['parked.pools.test. 30 IN A 192.0.2.31', 'parked.pools.test. 30 IN A 192.0.2.32']);
  });

  it('all, when every member is disabled: nothing may be served, so NODATA with the SOA', async () => {
    const r = await query(s.port, 'alloff.pools.test');
    expect([r.rcode, lines(r.answers), lines(r.authorities)]).toEqual(['NOERROR', [], [SOA]]);
  });

  it('none: NODATA with the SOA', async () => {
    const r = await query(s.port, 'none.pools.test');
    expect([r.rcode, r.flag_aa, lines(r.answers), lines(r.authorities)]).toEqual(['NOERROR', true, [], [SOA]]);
  });

  it('none with empty: servfail: SERVFAIL, also when the members are disabled rather than weight 0', async () => {
    for (const name of ['servfail.pools.test', 'offservfail.pools.test']) {
      const r = await query(s.port, name);
      expect([name, r.rcode, lines(r.answers)]).toEqual([name, 'SERVFAIL', []]);
    }
  });

  it('{ pool: backup }: answers from the backup pool, also when the members are disabled', async () => {
    for (const name of ['primary', 'offprimary']) {
      const got = (await sequence(s.port, `${name}.pools.test`, 2)).map((r) => lines(r.answers));
      expect(got.flat().sort()).toEqual([`${name}.pools.test. 30 IN A 192.0.2.100`, `${name}.pools.test. 30 IN A 192.0.2.101`]);
    }
    const six = await query(s.port, 'primary.pools.test', { type: 'AAAA' });
    expect([six.rcode, lines(six.answers), lines(six.authorities)]).toEqual(['NOERROR', [], [SOA]]);
  });
});

describeWith('dig', 'pools seen by dig', () => {
  it('answers: 3 as three A records; NODATA for the missing family', async () => {
    const r = await dig(s.port, 'multi.pools.test A +norec');
    expect(r.status).toBe('NOERROR');
    expect(r.flags.has('aa')).toBe(true);
    expect(r.answer).toHaveLength(3);
    for (const line of r.answer) expect(line).toMatch(/^multi\.pools\.test\. 30 IN A 192\.0\.2\.1[0124]$/);
    const v6 = await dig(s.port, 'v4only.pools.test AAAA +norec');
    expect([v6.status, v6.answer, v6.authority]).toEqual(['NOERROR', [], [SOA]]);
  });
});

describe('balancing state across zone changes', () => {
  const live = (members: string, algorithm = 'round-robin', extra = '') =>
    poolZone('state.test.', `  - { name: live, pool: live }\n${extra}`, `  live: { algorithm: ${algorithm}, members: [${members}] }`);
  const m = (name: string, last: number, weight = 1) => `{ name: ${name}, address: 192.0.2.${last}, weight: ${weight} }`;
  const ABC3 = [m('a', 10), m('b', 11), m('c', 12)].join(', ');
  const NAMED: Record<string, string> = { ...NAMES, '192.0.2.13': 'd', '192.0.2.14': 'e', '192.0.2.15': 'f' };
  const next = async (t: TestServer, times: number) => named((await sequence(t.port, 'live.state.test', times)).map(one), NAMED);

  it('round-robin continues its cycle after setZones that keeps the members, and restarts when they change', async () => {
    const t = await startServer(live(ABC3));
    try {
      expect(await next(t, 2)).toEqual(['a', 'b']);
      t.app.setZones([zoneDef(live(ABC3, 'round-robin', '  - { name: other, type: A, data: 192.0.2.99 }'))]);
      expect(await next(t, 2)).toEqual(['c', 'a']);
      t.app.setZones([zoneDef(live(`${ABC3}, ${m('d', 13)}`))]);
      expect(await next(t, 5)).toEqual(['a', 'b', 'c', 'd', 'a']);
    } finally {
      await t.close();
    }
  });

  it('round-robin continues its cycle after reload() of an edited zone file', async () => {
    const t = await startServer(live(ABC3), { files: true });
    try {
      const file = join(t.dir!, 'zone0.yaml');
      expect(await next(t, 1)).toEqual(['a']);
      await writeFile(file, (await readFile(file, 'utf8')).replace('serial: 1', 'serial: 2').replace('ttl: 300', 'ttl: 600'));
      expect((await t.app.reload())?.changed).toHaveLength(1);
      expect(await next(t, 3)).toEqual(['b', 'c', 'a']);
      await writeFile(file, live(`${m('d', 13)}, ${ABC3}`).replace('serial: 1', 'serial: 3'));
      expect((await t.app.reload())?.changed).toHaveLength(1);
      expect(await next(t, 2)).toEqual(['d', 'a']);
    } finally {
      await t.close();
    }
  });

  it('changed weights apply from the next query, without a restart', async () => {
    const t = await startServer(live([m('a', 10, 5), m('b', 11), m('c', 12)].join(', '), 'weighted-round-robin'));
    try {
      expect(await next(t, 7)).toEqual('a a b a c a a'.split(' '));
      t.app.setZones([zoneDef(live(ABC3, 'weighted-round-robin'))]);
      expect((await next(t, 6)).sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
    } finally {
      await t.close();
    }
  });

  it('members changed 20 times under continuous queries: every query answered, each change seen by the next query', async () => {
    const sets = [ABC3, [m('d', 13), m('e', 14)].join(', '), m('f', 15)];
    const allowed = [new Set(['a', 'b', 'c']), new Set(['d', 'e']), new Set(['f'])];
    const t = await startServer(live(sets[0]));
    let stop = false;
    const seen: string[] = [];
    const errors: unknown[] = [];
    const fire = async () => {
      while (!stop) seen.push(...named([one(await query(t.port, 'live.state.test', { timeoutMs: 2000 }))], NAMED));
    };
    try {
      const loops = Array.from({ length: 8 }, () => fire().catch((e: unknown) => errors.push(e)));
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 5));
        const k = 1 + (i % 2);
        t.app.setZones([zoneDef(live(sets[k]))]);
        const after = named([one(await query(t.port, 'live.state.test'))], NAMED)[0];
        expect([i, allowed[k].has(after)]).toEqual([i, true]);
      }
      stop = true;
      await Promise.all(loops);
      expect(errors).toEqual([]);
      expect(seen.length).toBeGreaterThan(100);
      expect(seen.filter((x) => !'abcdef'.includes(x))).toEqual([]);
      expect(seen).toContain('d');
      expect(seen).toContain('f');
      expect(await next(t, 3)).toEqual(['f', 'f', 'f']);
    } finally {
      stop = true;
      await t.close();
    }
  });
});
