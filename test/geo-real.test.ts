/**
 * GeoIP steering against MaxMind's real GeoLite2 City database (geoip/GeoLite2-City.mmdb, from
 * `npm run geoip:install`; CI installs it). Same zone as test/geo.test.ts. The addresses are the
 * registry and university networks geoip/README.md lists as stable; only their country is
 * relied on. The expected ECS scope is worked out with the maxmind package from the same file,
 * since the size of a network changes between releases.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader, type CityResponse } from 'maxmind';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../src/pipeline/explain.js';
import { dig } from './helpers/dig.js';
import { ask, geoZone } from './helpers/geo.js';
import { startServer, type TestServer } from './helpers/server.js';
import { itWith } from './helpers/tools.js';

const REAL_DB = join(import.meta.dirname, '../geoip/GeoLite2-City.mmdb');
const installed = existsSync(REAL_DB);

describe.skipIf(!installed)('GeoIP steering with GeoLite2 City (needs npm run geoip:install)', () => {
  let s: TestServer;
  let reader: Reader<CityResponse>;
  beforeAll(async () => {
    reader = new Reader<CityResponse>(readFileSync(REAL_DB));
    s = await startServer(geoZone(REAL_DB));
  });
  afterAll(() => s?.close());

  /** What the database itself says about the network: its country and prefix length. */
  const truth = (address: string) => {
    const [record, prefix] = reader.getWithPrefixLength(address);
    return { country: record?.country?.iso_code, prefix };
  };

  // [ECS subnet, country the test relies on, site, why]
  const TABLE: [string, string, string, string][] = [
    ['8.8.8.0/24', 'US', 'iad', 'Google, US: nearest by distance'],
    ['193.0.0.0/24', 'NL', 'fra', 'RIPE NCC, Amsterdam: nearest by distance'],
    ['202.12.29.0/24', 'AU', 'sin', 'APNIC, Brisbane: country override on sin'],
    ['133.11.0.0/24', 'JP', 'sin', 'University of Tokyo: nearest by distance'],
    ['2001:67c:2e8::/48', 'NL', 'fra', 'RIPE NCC over IPv6'],
  ];

  it.each(TABLE)('ECS %s (%s) → %s: %s', async (subnet, country, site) => {
    const [ip, len] = subnet.split('/');
    const db = truth(ip);
    expect(db.country, `the database no longer places ${ip} in ${country}`).toBe(country);
    const r = await ask(s.port, 'web', subnet);
    expect(r.rcode).toBe('NOERROR');
    expect(r.members.map((m) => m.slice(0, 3))).toEqual([site]);
    expect(r.source).toBe(Number(len));
    expect(r.scope).toBe(Math.min(Number(len), db.prefix));
  });

  it('explain shows the real location and network', () => {
    const { prefix } = truth('193.0.0.0');
    const steps = explain(s.app.snapshot(), { name: 'web.geo.test', subnet: '193.0.0.0/24' }).steps;
    expect(steps[4]).toMatch(new RegExp(`^geo: 193\\.0\\.0\\.0/24 → .*NL, EU \\(-?[\\d.]+, -?[\\d.]+\\), network /${prefix}$`));
    expect(steps[6]).toMatch(/^balance: geo nearest \(distance\): site order fra, iad, sin; answering from fra: fra-[12]@fra; TTL 20$/);
    expect(steps[7]).toBe(`ECS: source prefix /24, scope prefix /${Math.min(24, prefix)}`);
  });

  itWith('dig', 'dig +subnet: APNIC → sin, the scope of its network', async () => {
    const r = await dig(s.port, 'web.geo.test A +norec +subnet=202.12.29.0/24');
    expect(r.answer).toEqual(['web.geo.test. 20 IN A 10.3.0.1']);
    expect(r.edns?.options['CLIENT-SUBNET']).toBe(`202.12.29.0/24/${Math.min(24, truth('202.12.29.0').prefix)}`);
  });
});
