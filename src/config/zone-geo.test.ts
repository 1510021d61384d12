import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeridianError, formatProblem } from '../errors.js';
import { parseZoneText } from './zone-file.js';
import { continentCode, countryCode } from './zone-geo.js';
import type { ZoneDefinition } from './zone-types.js';

const HEAD = `zone: lb.example.test.
soa: { mname: ns1, rname: hostmaster.example.test., serial: 7 }
ns: [ns1]
`;

function zone(text: string, file?: string): ZoneDefinition {
  return parseZoneText(HEAD + text, file);
}

/** The formatted problems of a zone (HEAD + text) that must fail. */
function problems(text: string): string[] {
  try {
    parseZoneText(HEAD + text, 'z.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MeridianError);
    return (e as MeridianError).problems.map(formatProblem);
  }
  throw new Error('zone unexpectedly loaded');
}

// The YAML of issue 5, with default-site and members.
const ISSUE = `geoip: { database: ../geoip/GeoLite2-City.mmdb, default-site: fra }
sites:
  fra: { lat: 50.11, lon: 8.68, countries: [DE, AT, CH] }   # countries/continents: optional overrides
  iad: { lat: 38.95, lon: -77.45, continents: [NA, SA] }
  sin: { lat: 1.35, lon: 103.82 }
pools:
  web:
    geo: nearest              # nearest | none (default none)
    sites-per-answer: 1       # how many sites to consider before falling back
    algorithm: least-connections
    members:
      - { name: fra-1, address: 198.51.100.10, site: fra }
      - { name: iad-1, address: 203.0.113.10, site: iad }
  plain: { algorithm: random, members: [{ name: m, address: 192.0.2.1, site: sin }] }
`;

describe('geoip and sites: resolved', () => {
  it('resolves the issue example', () => {
    const z = zone(ISSUE, '/srv/meridian/zones/lb.yaml');
    expect(z.geoip).toEqual({ database: '/srv/meridian/geoip/GeoLite2-City.mmdb', defaultSite: 'fra' });
    expect(z.sites).toEqual([
      { name: 'fra', lat: 50.11, lon: 8.68, countries: ['DE', 'AT', 'CH'], continents: [], line: 6 },
      { name: 'iad', lat: 38.95, lon: -77.45, countries: [], continents: ['NA', 'SA'], line: 7 },
      { name: 'sin', lat: 1.35, lon: 103.82, countries: [], continents: [], line: 8 },
    ]);
    expect(z.pools.map((p) => [p.name, p.geo, p.sitesPerAnswer])).toEqual([
      ['web', 'nearest', 1],
      ['plain', 'none', 1],
    ]);
    expect(z.pools[0].members.map((m) => `${m.name}@${m.site}`)).toEqual(['fra-1@fra', 'iad-1@iad']);
  });

  it('resolves database paths against the zone file directory, keeps them without a file', () => {
    const db = (database: string, file?: string) => zone(`geoip: { database: "${database}" }\n`, file).geoip;
    expect(db('GeoLite2-City.mmdb', 'zones/lb.yaml')).toEqual({ database: resolve('zones/GeoLite2-City.mmdb') });
    expect(db('../geoip/x.mmdb', '/etc/meridian/zones/lb.yaml')).toEqual({ database: '/etc/meridian/geoip/x.mmdb' });
    expect(db('/var/lib/GeoIP/GeoLite2-City.mmdb', '/etc/meridian/zones/lb.yaml')).toEqual({
      database: '/var/lib/GeoIP/GeoLite2-City.mmdb',
    });
    expect(db('../geoip/x.mmdb')).toEqual({ database: '../geoip/x.mmdb' });
    expect(zone('geoip: {}\n').geoip).toEqual({});
  });

  it('fills defaults and normalises codes', () => {
    const z = zone(`sites:
  a: { lat: "-33.87", lon: 151.21, countries: [au, Nz, AU], continents: [oc] }
  b.2: { lat: 0, lon: -180, countries: [] }
pools:
  p: { algorithm: random, geo: nearest, sites-per-answer: 16, members: [{ name: m, address: 192.0.2.1, site: a }] }
  q: { algorithm: random, geo: none, members: [{ name: m, address: 192.0.2.1, site: b.2 }] }
`);
    expect(z.geoip).toBeUndefined();
    expect(z.sites).toEqual([
      { name: 'a', lat: -33.87, lon: 151.21, countries: ['AU', 'NZ'], continents: ['OC'], line: 5 },
      { name: 'b.2', lat: 0, lon: -180, countries: [], continents: [], line: 6 },
    ]);
    expect(z.pools.map((p) => [p.geo, p.sitesPerAnswer])).toEqual([
      ['nearest', 16],
      ['none', 1],
    ]);
  });

  it('lets a zone without sites label members with any site', () => {
    const z = zone('pools:\n  p: { algorithm: random, members: [{ name: m, address: 192.0.2.1, site: anywhere }] }\n');
    expect(z.sites).toEqual([]);
    expect(z.pools[0].members[0].site).toBe('anywhere');
  });

  it('allows one country and one continent override that overlap', () => {
    const z = zone('sites:\n  fra: { lat: 50, lon: 8, countries: [US] }\n  iad: { lat: 39, lon: -77, continents: [NA] }\n');
    expect(z.sites.map((s) => [s.countries, s.continents])).toEqual([
      [['US'], []],
      [[], ['NA']],
    ]);
  });
});

describe('geoip and sites: structure problems', () => {
  it('reports ranges, types, enums and unknown keys', () => {
    expect(
      problems(`geoip: { database: "", default-site: fra, path: x }
sites:
  fra: { lat: 90.5, lon: -180.01 }
  iad: { lat: north, lon: 8, country: [DE] }
  sin: { lat: 1, countries: DE, continents: [EU] }
pools:
  web:
    geo: closest
    sites-per-answer: 17
    algorithm: random
    members: [{ name: m, address: 192.0.2.1, site: fra }]
  two: { algorithm: random, sites-per-answer: 0, members: [{ name: m, address: 192.0.2.1 }] }
`),
    ).toEqual([
      'z.yaml:4:20 geoip.database: must not be empty',
      'z.yaml:4:43 geoip.path: unknown key',
      'z.yaml:6:15 sites.fra.lat: 90.5 is out of range (-90..90)',
      'z.yaml:6:26 sites.fra.lon: -180.01 is out of range (-180..180)',
      'z.yaml:7:15 sites.iad.lat: "north" is not a number',
      'z.yaml:7:30 sites.iad.country: unknown key',
      'z.yaml:8:8 sites.sin.lon: missing (required)',
      'z.yaml:8:29 sites.sin.countries: must be a list of two-letter codes, e.g. [DE, AT]',
      'z.yaml:11:10 pools.web.geo: "closest" is not one of: nearest, none',
      'z.yaml:12:23 pools.web.sites-per-answer: 17 is out of range (1..16)',
      'z.yaml:15:47 pools.two.sites-per-answer: 0 is out of range (1..16)',
    ]);
  });
});

describe('geoip and sites: meaning problems', () => {
  it('checks site names, country and continent codes, overrides claimed twice', () => {
    expect(
      problems(`sites:
  "-fra": { lat: 50, lon: 8, countries: [GER, uk, XX, EU, "", D1] }
  ams: { lat: 52, lon: 5, countries: [NL, de, DE], continents: [EU, eur, Europe] }
  fra: { lat: 50, lon: 8, countries: [DE, nl], continents: [eu, AF] }
`),
    ).toEqual([
      'z.yaml:5:3 sites["-fra"]: site name must be 1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit',
      'z.yaml:5:42 sites["-fra"].countries[0]: "GER" is not a country code: write the two-letter ISO 3166-1 code, e.g. DE',
      'z.yaml:5:47 sites["-fra"].countries[1]: "uk" is not an ISO 3166-1 country code (the United Kingdom is GB)',
      'z.yaml:5:51 sites["-fra"].countries[2]: "XX" is not an ISO 3166-1 country code',
      'z.yaml:5:55 sites["-fra"].countries[3]: "EU" is not an ISO 3166-1 country code (EU is a continent: list it under continents)',
      'z.yaml:5:59 sites["-fra"].countries[4]: "" is not a country code: write the two-letter ISO 3166-1 code, e.g. DE',
      'z.yaml:5:63 sites["-fra"].countries[5]: "D1" is not a country code: write the two-letter ISO 3166-1 code, e.g. DE',
      'z.yaml:6:69 sites.ams.continents[1]: "eur" is not a continent code: use AF, AN, AS, EU, NA, OC or SA',
      'z.yaml:6:74 sites.ams.continents[2]: "Europe" is not a continent code: use AF, AN, AS, EU, NA, OC or SA',
      'z.yaml:7:39 sites.fra.countries[0]: country DE is already claimed by site "ams" (line 6); an override can name one site only',
      'z.yaml:7:43 sites.fra.countries[1]: country NL is already claimed by site "ams" (line 6); an override can name one site only',
      'z.yaml:7:61 sites.fra.continents[0]: continent EU is already claimed by site "ams" (line 6); an override can name one site only',
    ]);
  });

  it('checks default-site, geo: nearest and member sites, naming the member', () => {
    expect(
      problems(`geoip: { default-site: FRA }
sites:
  fra: { lat: 50, lon: 8 }
  iad: { lat: 39, lon: -77 }
pools:
  web:
    geo: nearest
    algorithm: random
    members:
      - { name: fra-1, address: 192.0.2.1, site: fra }
      - { name: iad-1, address: 192.0.2.2, site: IAD }
      - name: sin-1
        address: 192.0.2.3
  plain:
    algorithm: random
    sites-per-answer: 2
    members:
      - { name: m, address: 192.0.2.4, site: fra1 }
      - { name: n, address: 192.0.2.5 }
`),
    ).toEqual([
      'z.yaml:4:24 geoip.default-site: no site named "FRA" in sites:',
      'z.yaml:14:50 pools.web.members[1].site: member "iad-1": no site named "IAD" in sites:',
      'z.yaml:15:9 pools.web.members[2].site: member "sin-1" has no site (geo: nearest needs one on every member)',
      'z.yaml:19:5 pools.plain.sites-per-answer: sites-per-answer applies only with geo: nearest',
      'z.yaml:21:46 pools.plain.members[0].site: member "m": no site named "fra1" in sites:',
    ]);
  });

  it('needs sites for geo: nearest, and a site for default-site', () => {
    expect(
      problems(`geoip: { default-site: fra, database: "  " }
sites: {}
pools:
  web: { algorithm: random, geo: nearest, members: [{ name: m, address: 192.0.2.1 }, { name: n, address: 192.0.2.2, site: fra }] }
`),
    ).toEqual([
      'z.yaml:4:24 geoip.default-site: no site named "fra" in sites:',
      'z.yaml:4:39 geoip.database: must not be empty',
      'z.yaml:7:34 pools.web.geo: geo: nearest needs sites: this zone defines none',
    ]);
  });
});

describe('country and continent codes', () => {
  it('accepts ISO 3166-1 alpha-2 in any case, plus XK', () => {
    expect(['de', 'Gb', 'US', 'xk', 'na'].map(countryCode)).toEqual([
      { code: 'DE' },
      { code: 'GB' },
      { code: 'US' },
      { code: 'XK' },
      { code: 'NA' },
    ]);
    expect(countryCode('EL')).toEqual({ why: '"EL" is not an ISO 3166-1 country code (Greece is GR)' });
    expect(countryCode(' DE')).toEqual({ why: '" DE" is not a country code: write the two-letter ISO 3166-1 code, e.g. DE' });
  });

  it('knows the seven continent codes', () => {
    expect(['af', 'AN', 'As', 'EU', 'na', 'OC', 'sa'].map(continentCode)).toEqual(
      ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'].map((code) => ({ code })),
    );
    expect(continentCode('ME')).toEqual({ why: '"ME" is not a continent code: use AF, AN, AS, EU, NA, OC or SA' });
  });
});

describe('docs/zone-files.md: GeoIP and sites', () => {
  const doc = readFileSync('docs/zone-files.md', 'utf8');
  const section = /\n## GeoIP and sites\n([\s\S]*?)\n## /.exec(doc)![1];

  it('loads its first example, with the pool it describes', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const z = parseZoneText(HEAD + example, '/srv/zones/lb.yaml');
    expect(z.geoip).toEqual({ database: '/srv/geoip/GeoLite2-City.mmdb', defaultSite: 'fra' });
    expect(z.sites.map((s) => s.name)).toEqual(['fra', 'iad', 'sin']);
    expect(z.pools.map((p) => [p.name, p.geo, p.sitesPerAnswer, p.members.map((m) => m.site).join(' ')])).toEqual([
      ['web', 'nearest', 1, 'fra fra iad sin'],
    ]);
  });

  it('shows the errors the loader really prints for its bad example', () => {
    const example = /this zone file:\n\n```yaml\n([\s\S]*?)```/.exec(section)![1];
    const run = (text: string) => {
      try {
        parseZoneText(text, 'zones/geo.example.test.yaml');
        return [];
      } catch (e) {
        return (e as MeridianError).problems.map(formatProblem);
      }
    };
    const fixed = example.replace('database: ""', 'database: GeoLite2-City.mmdb').replace('203.82', '103.82');
    const lines = [...run(example), ...run(fixed)];
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(section).toContain(`\n${line}\n`);
  });

  it('documents every key of geoip, sites and the pool', () => {
    for (const key of ['database', 'default-site', 'lat', 'lon', 'countries', 'continents', 'geo', 'sites-per-answer']) {
      expect(section).toContain(`| \`${key}\` |`);
    }
  });
});
