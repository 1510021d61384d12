import { describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import { buildSiteTable, checkSites, type Site } from './sites.js';
import type { GeoLocation } from './types.js';

/** The sites of issue 5, plus Sydney and São Paulo so distance orders have something to sort. */
const SITES: Site[] = [
  { name: 'fra', lat: 50.11, lon: 8.68, countries: ['DE', 'AT', 'CH'] },
  { name: 'iad', lat: 38.95, lon: -77.45, continents: ['NA', 'SA'] },
  { name: 'sin', lat: 1.35, lon: 103.82 },
  { name: 'syd', lat: -33.87, lon: 151.21, countries: ['nz'], continents: ['oc'] },
  { name: 'gru', lat: -23.43, lon: -46.47, countries: ['BR'] },
];

const table = buildSiteTable(SITES, 'fra');
const names = (sites: readonly Site[]): string => sites.map((s) => s.name).join(' ');
const order = (loc: GeoLocation | null): string => names(table.order(loc));

const paris: GeoLocation = { country: 'FR', continent: 'EU', lat: 48.86, lon: 2.35 };
const tokyo: GeoLocation = { country: 'JP', continent: 'AS', lat: 35.68, lon: 139.69 };
const berlin: GeoLocation = { country: 'DE', continent: 'EU', lat: 52.52, lon: 13.4 };

describe('SiteTable.order', () => {
  // the rest after an override or the default site: nearest to that site first (from iad: fra
  // 6,553 km, gru 7,649; from gru: syd 13,375, sin 15,980; from syd: iad 15,676, fra 16,483)
  it.each<[string, GeoLocation | null, string, string]>([
    ['Paris by distance', paris, 'fra iad gru sin syd', 'distance'],
    ['Tokyo by distance', tokyo, 'sin syd fra iad gru', 'distance'],
    ['Germany by country override', berlin, 'fra iad gru sin syd', 'country'],
    ['Mexico by continent override (NA)', { country: 'MX', continent: 'NA', lat: 19.43, lon: -99.13 }, 'iad fra gru sin syd', 'continent'],
    // Buenos Aires: SA → iad wins over the nearer gru, whose override is BR only
    ['Argentina by continent override (SA)', { country: 'AR', continent: 'SA', lat: -34.6, lon: -58.38 }, 'iad fra gru sin syd', 'continent'],
    ['Brazil: country beats continent', { country: 'BR', continent: 'SA', lat: -23.55, lon: -46.63 }, 'gru iad fra syd sin', 'country'],
    ['New Zealand: lower-case codes in config', { country: 'NZ', continent: 'OC' }, 'syd sin gru iad fra', 'country'],
    ['Australia by continent override (OC)', { country: 'AU', continent: 'OC', lat: -37.8, lon: 144.96 }, 'syd sin gru iad fra', 'continent'],
    ['override without coordinates (Country database)', { country: 'AT', continent: 'EU' }, 'fra iad gru sin syd', 'country'],
    ['unknown (null)', null, 'fra iad gru sin syd', 'default'],
    ['no coordinates, no override', { country: 'FR', continent: 'EU' }, 'fra iad gru sin syd', 'default'],
    ['empty location', {}, 'fra iad gru sin syd', 'default'],
    ['NaN coordinates', { lat: Number.NaN, lon: 1 }, 'fra iad gru sin syd', 'default'],
  ])('%s → %s', (_what, loc, expected, reason) => {
    expect(order(loc)).toBe(expected);
    expect(table.reason(loc)).toBe(reason);
  });

  it('lists the country sites, then the continent sites, then the rest', () => {
    // DE is fra's; EU belongs to "ams": both come before the rest
    const t = buildSiteTable([...SITES, { name: 'ams', lat: 52.37, lon: 4.9, continents: ['EU'] }]);
    expect(names(t.order(berlin))).toBe('fra ams iad gru sin syd');
    expect(names(t.order(paris))).toBe('ams fra iad gru sin syd');
  });

  it('keeps declaration order when several sites claim a country', () => {
    const t = buildSiteTable([
      { name: 'b', lat: 10, lon: 10, countries: ['DE'] },
      { name: 'a', lat: 50, lon: 8, countries: ['DE'] },
      { name: 'c', lat: 0, lon: 0 },
    ]);
    expect(names(t.order(berlin))).toBe('b a c');
  });

  it('breaks distance ties by name', () => {
    const t = buildSiteTable([
      { name: 'west', lat: 0, lon: -10 },
      { name: 'east', lat: 0, lon: 10 },
      { name: 'far', lat: 0, lon: 90 },
    ]);
    expect(names(t.order({ lat: 0, lon: 0 }))).toBe('east west far');
    expect(names(t.order({ lat: 0, lon: 0.001 }))).toBe('east west far');
    expect(names(t.order({ lat: 0, lon: -0.001 }))).toBe('west east far');
  });

  it('returns the same frozen array for override and unknown orders', () => {
    expect(table.order(null)).toBe(table.order({}));
    expect(table.order(berlin)).toBe(table.order({ country: 'DE', continent: 'EU' }));
    expect(table.order({ country: 'AU', continent: 'OC' })).toBe(table.order({ country: 'FJ', continent: 'OC' }));
    expect(Object.isFrozen(table.order(null))).toBe(true);
    expect(Object.isFrozen(table.order(berlin))).toBe(true);
  });

  it('gives locations that rank the sites alike one frozen order, and others their own', () => {
    const a = table.order(paris);
    expect(table.order(paris)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(table.order({ ...paris })).toBe(a);
    const lyon: GeoLocation = { country: 'FR', continent: 'EU', lat: 45.76, lon: 4.84 };
    expect(table.order(lyon)).toBe(a); // fra iad gru sin syd, as from Paris
    const tokyo: GeoLocation = { country: 'JP', continent: 'AS', lat: 35.68, lon: 139.69 };
    expect(names(table.order(tokyo))).toBe('sin syd fra iad gru');
    expect(table.order({ ...tokyo })).toBe(table.order(tokyo));
    expect(table.order(tokyo)).not.toBe(a);
  });

  it('defaults to the first site declared', () => {
    const t = buildSiteTable(SITES);
    expect(t.defaultSite?.name).toBe('fra');
    expect(names(buildSiteTable(SITES, 'sin').order(null))).toBe('sin syd fra iad gru');
  });

  it('handles one site and no sites', () => {
    const one = buildSiteTable([{ name: 'only', lat: 1, lon: 2 }]);
    expect(names(one.order(null))).toBe('only');
    expect(names(one.order(paris))).toBe('only');
    const none = buildSiteTable([]);
    expect(none.order(null)).toEqual([]);
    expect(none.order(paris)).toEqual([]);
    expect(none.defaultSite).toBeUndefined();
  });

  it('normalises and freezes the sites it keeps', () => {
    const input: Site = { name: 'x', lat: 1, lon: 2, countries: ['de'] };
    const t = buildSiteTable([input]);
    expect(t.sites[0]).toEqual({ name: 'x', lat: 1, lon: 2, countries: ['DE'] });
    expect(t.sites[0]).not.toBe(input);
    expect(Object.isFrozen(t.sites[0])).toBe(true);
    expect(Object.isFrozen(t.sites)).toBe(true);
  });
});

describe('checkSites / buildSiteTable errors', () => {
  it('lists every problem with its field', () => {
    const bad: Site[] = [
      { name: 'a', lat: 91, lon: 0 },
      { name: 'a', lat: 0, lon: 0 },
      { name: 'b', lat: 0, lon: 0, countries: ['DEU'], continents: ['EUROPE'] },
    ];
    expect(checkSites(bad, 'zzz')).toEqual([
      { field: 'sites.a', message: 'lat 91, lon 0 is not a position (lat -90…90, lon -180…180)' },
      { field: 'sites.a', message: 'site "a" is defined twice' },
      { field: 'sites.b.countries[0]', message: '"DEU" is not an ISO 3166 two-letter country code' },
      { field: 'sites.b.continents[0]', message: '"EUROPE" is not a continent code (AF, AN, AS, EU, NA, OC, SA)' },
      { field: 'default-site', message: 'default site "zzz" is not one of the sites' },
    ]);
    try {
      buildSiteTable(bad, 'zzz');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MeridianError);
      const err = e as MeridianError;
      expect(err.code).toBe('MERIDIAN_ERR_CONFIG_INVALID');
      expect(err.message).toBe('sites.a: lat 91, lon 0 is not a position (lat -90…90, lon -180…180) (and 4 more)');
      expect(err.problems).toHaveLength(5);
    }
  });

  it('accepts the sites of issue 5', () => {
    expect(checkSites(SITES, 'fra')).toEqual([]);
  });
});

describe('SiteTable.firstEligible', () => {
  const all = table.order(null); // fra iad gru sin syd
  const healthy = (up: string) => (site: Site, _arg: undefined) => up.split(' ').includes(site.name);
  const pick = (n: number, up: string): string => names(table.firstEligible(all, n, healthy(up), undefined));

  it.each([
    [1, 'fra iad gru sin syd', 'fra'],
    [1, 'sin syd', 'sin'],
    [1, '', ''],
    [2, 'fra iad gru sin syd', 'fra iad'],
    [2, 'iad syd', 'iad syd'],
    [2, 'fra sin', 'fra sin'],
    [3, 'syd', 'syd'],
    [3, 'fra', 'fra'],
    [3, 'fra iad', 'fra iad'],
    [9, 'fra iad gru sin syd', 'fra iad gru sin syd'],
    [9, 'fra iad gru sin', 'fra iad gru sin'],
    [0, 'fra', ''],
  ])('n=%i, eligible %j → %j', (n, up, expected) => {
    expect(pick(n, up)).toBe(expected);
  });

  it('allocates nothing for one site, no site, or the whole order', () => {
    const up = healthy('fra iad gru sin syd');
    expect(table.firstEligible(all, 1, up, undefined)).toBe(table.firstEligible(all, 1, up, undefined));
    expect(table.firstEligible(all, 1, healthy('sin'), undefined)).toBe(table.firstEligible(table.order(tokyo), 1, up, undefined));
    expect(table.firstEligible(all, 5, up, undefined)).toBe(all);
    expect(table.firstEligible(all, 2, healthy(''), undefined)).toBe(table.firstEligible(all, 1, healthy(''), undefined));
  });

  it('passes its argument to the predicate and stops once it has n sites', () => {
    const asked: string[] = [];
    const got = table.firstEligible(all, 2, (s, seen: string[]) => (seen.push(s.name), s.name !== 'iad'), asked);
    expect(names(got)).toBe('fra gru');
    expect(asked).toEqual(['fra', 'iad', 'gru']);
  });
});
