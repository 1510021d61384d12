/**
 * GeoIP steering end to end (issue 5): a real server on loopback locates clients in
 * geoip/test-city.mmdb (networks in geoip/README.md) from the EDNS Client Subnet or the packet's
 * source address, and answers from the nearest site with an eligible member. Assertions are on
 * real DNS answers: the site, the ECS SCOPE PREFIX-LENGTH, fallbacks, reloads, and explain().
 *
 * Sites (test/helpers/geo.ts): fra, iad (claims continent SA), sin (claims country AU); default
 * site iad. Great-circle km from the test networks' cities:
 *   Frankfurt DE  fra 0     iad 6553   sin 10258      Sydney AU     sin 6306   iad 15676  fra 16483
 *   London GB     fra 638   iad 5921   sin 10848      São Paulo BR  iad 7654   fra 9829   sin 15987
 *   Toronto CA    iad 547   fra 6333   sin 15001      Tokyo JP      sin 5315   fra 9332   iad 10882
 * so AU's override order (sin, then the sites nearest to sin: fra, iad) is not its distance order
 * (sin, iad, fra): the second site tells the two apart. Unknown clients: iad, fra, sin.
 */
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, type CityResponse } from 'maxmind';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { double, writeMmdb } from '../scripts/geoip-mmdb-writer.mjs';
import { explain } from '../src/pipeline/explain.js';
import { query } from './helpers/client.js';
import { dig, kdig } from './helpers/dig.js';
import { ask, geoZone, siteOf, until, who } from './helpers/geo.js';
import { lines, replyEcs } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';
import { describeWith } from './helpers/tools.js';

const TEST_DB = join(import.meta.dirname, '../geoip/test-city.mmdb');
/** A member in flow style: `m('fra-2', 'weight: 0')` → `{ name: fra-2, address: 10.1.0.2, site: fra, weight: 0 }` */
const m = (name: string, more = '') => `{ name: ${name}, address: 10.${{ fra: 1, iad: 2, sin: 3 }[siteOf(name)]}.0.${name.at(-1)}, site: ${siteOf(name)}${more && `, ${more}`} }`;
const geoPool = (name: string, members: string[], more = '') => `\n  ${name}: { geo: nearest, algorithm: round-robin, ${more}members: [${members.join(', ')}] }`;
const POOLS =
  geoPool('nofra', [m('fra-1', 'enabled: false'), m('fra-2', 'weight: 0'), m('iad-1'), m('sin-1')]) +
  geoPool('nosin', [m('fra-1'), m('iad-1'), m('sin-1', 'enabled: false')]) +
  geoPool('dark', [m('fra-1', 'enabled: false'), m('iad-1', 'weight: 0')], 'fallback: none, ') +
  geoPool('spill', [m('fra-1', 'weight: 0')], 'fallback: { pool: plain }, ') +
  geoPool('pair', [m('fra-1'), m('fra-2'), m('iad-1'), m('sin-1')], 'sites-per-answer: 2, answers: 2, ') +
  `\n  plain: { algorithm: round-robin, members: [{ name: plain-1, address: 10.9.0.1 }] }` +
  `\n  front: { algorithm: round-robin, fallback: { pool: nosin }, members: [{ name: x, address: 10.9.0.2, enabled: false }] }`;

let s: TestServer;
beforeAll(async () => {
  s = await startServer(geoZone(TEST_DB, { pools: POOLS }));
});
afterAll(() => s?.close());

// the length of the empty network around 8.8.8.0 in the test database (what the reader reports)
const GAP_8_8_8 = new Reader<CityResponse>(readFileSync(TEST_DB)).getWithPrefixLength('8.8.8.0')[1];

describe('the site per client subnet, and the ECS scope', () => {
  // [ECS subnet, site, scope]: scope = the matched network's prefix (longer than the source when the database is finer)
  const TABLE: [string, string, number][] = [
    ['192.0.2.0/24', 'fra', 24], // DE Frankfurt
    ['198.51.100.0/24', 'iad', 24], // US Ashburn
    ['203.0.113.0/24', 'sin', 24], // SG Singapore
    ['198.18.0.0/24', 'sin', 24], // AU: country override on sin
    ['198.18.1.0/24', 'iad', 24], // BR: continent override on iad
    ['198.19.0.0/24', 'sin', 24], // JP: nearest by distance
    ['198.18.2.0/24', 'iad', 24], // AT: country only, no coordinates, no override → default site
    ['100.64.0.0/24', 'fra', 17], // GB, network /17, asked with /24: the answer holds for the /17
    ['100.64.0.0/16', 'fra', 17], // … asked with /16: the /16 is split, the answer holds for the /17 only
    ['100.64.128.0/24', 'fra', 18], // FR, network /18
    ['100.64.192.0/18', 'iad', 18], // CA (Toronto), network /18, asked with /18
    ['10.1.2.0/24', 'iad', 8], // private → default site, scope of 10.0.0.0/8
    ['192.168.7.0/24', 'iad', 16], // private 192.168.0.0/16
    ['8.8.8.0/24', 'iad', GAP_8_8_8], // not in the database → default site, scope of the gap
    ['0.0.0.0/0', 'iad', 0], // the resolver says: do not locate
    ['192.0.2.7/32', 'fra', 24], // longer than /24: used as /24
    ['2001:db8:1::/56', 'fra', 48], // IPv6 /48 networks asked with /56
    ['2001:db8:2::/56', 'iad', 48],
    ['2001:db8:3::/56', 'sin', 48],
    ['2001:db8:1:ff00::/64', 'fra', 48], // longer than /56: used as /56
  ];
  it.each(TABLE)('ECS %s → %s, scope /%i', async (subnet, site, scope) => {
    const r = await ask(s.port, 'web', subnet);
    expect(r.rcode).toBe('NOERROR');
    expect(r.members.map(siteOf)).toEqual([site]);
    const [ip, len] = subnet.split('/');
    expect(replyEcs(r.reply)).toEqual({ family: ip.includes(':') ? 2 : 1, ip, sourcePrefixLength: Number(len), scopePrefixLength: scope });
  });

  it('a continent rule places AT (no coordinates) after all; without default-site the first site is the default', async () => {
    const sites = `\n  sin: { lat: 1.35, lon: 103.82 }\n  fra: { lat: 50.11, lon: 8.68, continents: [EU] }\n  iad: { lat: 38.95, lon: -77.45 }`;
    const eu = await startServer(geoZone(TEST_DB, { sites, defaultSite: null }));
    try {
      expect(await ask(eu.port, 'web', '198.18.2.0/24')).toMatchObject({ members: [expect.stringMatching(/^fra-/)], scope: 24 });
      expect(who(await query(eu.port, 'web.geo.test'))).toEqual(['sin-1']);
    } finally {
      await eu.close();
    }
  });

  it('AAAA skips sites without IPv6 members, following the same orders', async () => {
    const aaaa = async (subnet: string) => (await ask(s.port, 'web', subnet, 'AAAA')).members;
    expect(await aaaa('2001:db8:1::/56')).toEqual(['fra-6']);
    expect(await aaaa('2001:db8:2::/56')).toEqual(['iad-6']);
    expect(await aaaa('2001:db8:3::/56')).toEqual(['fra-6']); // SG: sin has no IPv6; fra is next nearest
    expect(await aaaa('198.18.0.0/24')).toEqual(['fra-6']); // AU: override order sin, fra (not iad)
    expect(await aaaa('198.18.1.0/24')).toEqual(['iad-6']); // BR
  });

  it('without ECS: the source address (loopback) → default site, and no ECS in the reply', async () => {
    const plain = await query(s.port, 'web.geo.test');
    expect(who(plain)).toEqual(['iad-1']);
    expect(plain.additionals ?? []).toEqual([]);
    const edns = await query(s.port, 'web.geo.test', { edns: true, localAddress: '127.0.0.9' });
    expect(who(edns)).toEqual(['iad-1']);
    expect(replyEcs(edns)).toBeUndefined();
  });

  it('a malformed ECS option is FORMERR (address bits beyond the source prefix)', async () => {
    const r = await query(s.port, 'web.geo.test', { edns: { options: [{ code: 8, data: Buffer.from([0, 1, 22, 0, 192, 0, 3]) }] } });
    expect(r.rcode).toBe('FORMERR');
  });

  it('inside the site, the pool algorithm picks: round-robin alternates the two fra members', async () => {
    const seq: string[] = [];
    for (let i = 0; i < 4; i++) seq.push(...(await ask(s.port, 'web', '192.0.2.0/24')).members);
    expect([['fra-1', 'fra-2', 'fra-1', 'fra-2'], ['fra-2', 'fra-1', 'fra-2', 'fra-1']]).toContainEqual(seq);
  });
});

describeWith(['dig', 'kdig'], 'dig and kdig +subnet', () => {
  it('dig: DE /24 → a fra member, scope /24', async () => {
    const r = await dig(s.port, 'web.geo.test A +norec +subnet=192.0.2.0/24');
    expect(r.answer).toEqual([expect.stringMatching(/^web\.geo\.test\. 20 IN A 10\.1\.0\.[12]$/)]);
    expect(r.edns?.options['CLIENT-SUBNET']).toBe('192.0.2.0/24/24');
  });
  it('kdig: the GB /17 asked with /16 → fra, scope /17; SG /56 over IPv6 → sin, scope /48', async () => {
    const gb = await kdig(s.port, 'web.geo.test A +subnet=100.64.0.0/16');
    expect(gb.answer).toEqual([expect.stringMatching(/ IN A 10\.1\.0\.[12]$/)]);
    expect(gb.edns?.options['CLIENT-SUBNET']).toBe('100.64.0.0/16/17');
    const sg = await kdig(s.port, 'web.geo.test A +subnet=2001:db8:3::/56');
    expect(sg.answer).toEqual(['web.geo.test. 20 IN A 10.3.0.1']);
    expect(sg.edns?.options['CLIENT-SUBNET']).toBe('2001:db8:3::/56/48');
  });
  it('dig without +subnet: no CLIENT-SUBNET in the reply', async () => {
    const r = await dig(s.port, 'web.geo.test A +norec');
    expect(r.answer).toEqual(['web.geo.test. 20 IN A 10.2.0.1']);
    expect(r.edns?.options['CLIENT-SUBNET']).toBeUndefined();
  });
});

describe('only sites with an eligible member count', () => {
  it('fra members disabled and weight 0 → DE and GB clients go to the next nearest site, iad', async () => {
    expect((await ask(s.port, 'nofra', '192.0.2.0/24')).members).toEqual(['iad-1']);
    expect((await ask(s.port, 'nofra', '100.64.0.0/24')).members).toEqual(['iad-1']);
    expect((await ask(s.port, 'nofra', '203.0.113.0/24')).members).toEqual(['sin-1']);
  });
  it('sin disabled → AU follows its override order to fra, JP its distance order to fra', async () => {
    expect((await ask(s.port, 'nosin', '198.18.0.0/24')).members).toEqual(['fra-1']);
    expect((await ask(s.port, 'nosin', '198.19.0.0/24')).members).toEqual(['fra-1']);
  });
  it('no site has an eligible member → the pool fallback: none (NODATA), or another pool', async () => {
    const dark = await ask(s.port, 'dark', '192.0.2.0/24');
    expect([dark.rcode, dark.members, dark.reply.authorities?.map((a) => a.type)]).toEqual(['NOERROR', [], ['SOA']]);
    expect(dark.scope).toBe(0);
    const spill = await ask(s.port, 'spill', '192.0.2.0/24');
    expect([spill.members, spill.scope]).toEqual([['plain-1'], 0]);
  });
  it('a pool that falls back to a geo pool steers by the client too', async () => {
    expect(await ask(s.port, 'front', '198.18.0.0/24')).toMatchObject({ members: ['fra-1'], scope: 24 });
    expect(await ask(s.port, 'front', '198.51.100.0/24')).toMatchObject({ members: ['iad-1'], scope: 24 });
  });
});

describe('sites-per-answer: 2 with answers: 2', () => {
  // the algorithm rotates over the eligible members of both sites together, in definition order
  const rotation = async (subnet: string) => {
    const out: string[] = [];
    for (let i = 0; i < 3; i++) out.push((await ask(s.port, 'pair', subnet)).members.join(' '));
    return out.sort();
  };
  it('DE → the members of fra and iad, never sin', async () => {
    expect(await rotation('192.0.2.0/24')).toEqual(['fra-1 fra-2', 'fra-2 iad-1', 'iad-1 fra-1']);
  });
  it('AU → sin and fra (its override order), not iad', async () => {
    expect(await rotation('198.18.0.0/24')).toEqual(['fra-1 fra-2', 'fra-2 sin-1', 'sin-1 fra-1']);
  });
});

describe('explain --subnet', () => {
  const ex = (name: string, subnet: string) => explain(s.app.snapshot(), { name, subnet });
  it('shows the client subnet, its location and network, the site order and the chosen site', () => {
    expect(ex('nosin.geo.test', '192.0.2.7/32')).toEqual({
      rcode: 'NOERROR',
      aa: true,
      answer: ['nosin.geo.test. 30 IN A 10.1.0.1'],
      authority: [],
      additional: [],
      ecsScope: 24,
      steps: [
        'query: nosin.geo.test. A from 127.0.0.1 with ECS 192.0.2.7/32',
        'zone: geo.test. (serial 1)',
        'lookup: name is served by pool "nosin"',
        'client: EDNS Client Subnet 192.0.2.0/24',
        'geo: 192.0.2.0/24 → Frankfurt, DE, EU (50.11, 8.68), network /24',
        'balance: pool "nosin" (round-robin, IPv4): eligible fra-1, iad-1; not eligible: sin-1 (enabled: false)',
        'balance: geo nearest (distance): site order fra, iad, sin; answering from fra: fra-1@fra; TTL 30',
        'ECS: source prefix /32, scope prefix /24',
      ],
    });
  });
  it('predicts the next real answer and leaves the rotation of sites and unions of sites alone', async () => {
    for (const name of ['web', 'pair']) {
      const next = ex(`${name}.geo.test`, '192.0.2.0/24').answer;
      expect(ex(`${name}.geo.test`, '192.0.2.0/24').answer).toEqual(next);
      expect(lines((await ask(s.port, name, '192.0.2.0/24')).reply.answers)).toEqual(next);
    }
  });
  it('names the rule: country and continent overrides, default for the unlocatable', () => {
    const tail = (name: string, subnet: string) => ex(name, subnet).steps.slice(4);
    expect(tail('nosin.geo.test', '198.18.0.0/24')).toEqual([
      'geo: 198.18.0.0/24 → Sydney, AU, OC (-33.87, 151.21), network /24',
      'balance: pool "nosin" (round-robin, IPv4): eligible fra-1, iad-1; not eligible: sin-1 (enabled: false)',
      'balance: geo nearest (country): site order sin, fra, iad; answering from fra: fra-1@fra; TTL 30',
      'ECS: source prefix /24, scope prefix /24',
    ]);
    expect(tail('nosin.geo.test', '198.18.1.0/24')[2]).toBe('balance: geo nearest (continent): site order iad, fra, sin; answering from iad: iad-1@iad; TTL 30');
    expect(tail('nosin.geo.test', '198.18.2.0/24').filter((l) => !l.includes('eligible'))).toEqual([
      'geo: 198.18.2.0/24 → AT, EU, network /24',
      'balance: geo nearest (default): site order iad, fra, sin; answering from iad: iad-1@iad; TTL 30',
      'ECS: source prefix /24, scope prefix /24',
    ]);
    expect(tail('nosin.geo.test', '2001:db8:3::/56')[0]).toBe('geo: 2001:db8:3::/56 → Singapore, SG, AS (1.35, 103.82), network /48');
  });
});

describe('health: a site whose members are down is skipped until they are back', () => {
  let h: TestServer;
  let status = 200;
  const backend = http.createServer((_req, res) => void res.writeHead(status).end(status === 200 ? 'ok' : 'down'));
  beforeAll(async () => {
    await new Promise<void>((ok) => backend.listen(0, '127.0.0.1', ok));
    const port = (backend.address() as AddressInfo).port;
    const health = `{ kind: http, path: /healthz, interval: 200ms, timeout: 150ms, fall: 2, rise: 1, port: ${port} }`;
    const hc = geoPool('hc', [m('fra-1', 'check-address: 127.0.0.1'), m('iad-1', 'health: { kind: none }')], `health: ${health}, `);
    h = await startServer(geoZone(TEST_DB, { pools: hc }));
    await h.app.ready();
  });
  afterAll(async () => {
    await h?.close();
    backend.closeAllConnections();
    await new Promise((ok) => backend.close(ok));
  });
  it('DE → fra; fra down → iad; fra up → fra again', async () => {
    const de = async () => (await ask(h.port, 'hc', '192.0.2.0/24')).members.join();
    expect(await de()).toBe('fra-1');
    status = 503;
    await until('DE to leave fra', async () => (await de()) === 'iad-1');
    status = 200;
    await until('DE to return to fra', async () => (await de()) === 'fra-1');
  });
});

describe('the database file changes under the server', () => {
  const city = (country: string, continent: string, name: string, lat: number, lon: number) => ({
    city: { names: { en: name } }, continent: { code: continent }, country: { iso_code: country }, location: { latitude: double(lat), longitude: double(lon) },
  });
  // 192.0.2.0/24 moves from Frankfurt to Singapore; 203.0.113.0/24 is no longer known
  const MOVED = writeMmdb({
    networks: [
      { network: '192.0.2.0/24', data: city('SG', 'AS', 'Singapore', 1.35, 103.82) },
      { network: '198.51.100.0/24', data: city('US', 'NA', 'Ashburn', 38.95, -77.45) },
    ],
    metadata: { databaseType: 'Meridian-Test-Moved', languages: ['en'], buildEpoch: Date.parse('2026-02-01T00:00:00Z') / 1000 },
  });
  const logs: { level: number; msg: string; file?: string; type?: string }[] = [];
  let dir: string;
  let file: string;
  let r: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-geo-'));
    file = join(dir, 'city.mmdb');
    copyFileSync(TEST_DB, file);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    r = await startServer(geoZone(file), { logger });
  });
  afterAll(async () => {
    await r?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** as geoipupdate does: write beside the file, rename over it */
  const replace = (bytes: Buffer) => {
    writeFileSync(`${file}.new`, bytes);
    renameSync(`${file}.new`, file);
  };
  const site = async (subnet: string) => (await ask(r.port, 'web', subnet)).members.map(siteOf).join();

  it('answers follow a new database renamed over the file', async () => {
    expect(await site('192.0.2.0/24')).toBe('fra');
    replace(MOVED);
    await until('192.0.2.0/24 to move to sin', async () => (await site('192.0.2.0/24')) === 'sin');
    expect(await ask(r.port, 'web', '192.0.2.0/24')).toMatchObject({ scope: 24 });
    expect(await site('198.51.100.0/24')).toBe('iad');
    const gap = new Reader<CityResponse>(MOVED).getWithPrefixLength('203.0.113.0')[1];
    expect(await ask(r.port, 'web', '203.0.113.0/24')).toMatchObject({ members: ['iad-1'], scope: Math.min(24, gap) });
    expect(logs.filter((l) => l.msg === 'GeoIP database reloaded')).toMatchObject([{ level: 30, file, type: 'Meridian-Test-Moved' }]);
  });

  it('a broken file is logged, and the last good database keeps serving', async () => {
    replace(Buffer.from('this is not a MaxMind database\n'.repeat(64)));
    await until('the error to be logged', () => logs.some((l) => l.level === 50));
    expect(logs.filter((l) => l.level >= 40)).toEqual([
      expect.objectContaining({
        level: 50,
        file,
        msg: `GeoIP database ${file}: no MaxMind DB metadata found: truncated, or not an mmdb file; still serving the last good database (Meridian-Test-Moved, built 2026-02-01T00:00:00.000Z)`,
      }),
    ]);
    expect(await site('192.0.2.0/24')).toBe('sin');
    expect(explain(r.app.snapshot(), { name: 'web.geo.test', subnet: '192.0.2.0/24' }).steps[4]).toBe('geo: 192.0.2.0/24 → Singapore, SG, AS (1.35, 103.82), network /24');
  });
});
