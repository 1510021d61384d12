/**
 * Site choice data: which sites a client should try, best first. Built once when sites are
 * loaded (a SiteTable), then read by the query path without I/O and, for override and unknown
 * clients, without allocating: those orders are precomputed arrays.
 *
 * Preference order for a client location:
 *   1. sites that list the client's country (declaration order), then sites that list its
 *      continent (declaration order); the remaining sites follow, nearest to the first of those
 *      override sites first;
 *   2. otherwise, when the location has coordinates: every site by great-circle distance from the
 *      client (ties by name);
 *   3. otherwise (null location, or no coordinates and no override): the default site, then the
 *      others nearest to the default site first (ties by name).
 * Every order lists every site exactly once, so callers fall back along it.
 */
import { MeridianError, formatProblem, type Problem } from '../errors.js';
import { haversineKm, isValidPoint } from './distance.js';
import { CONTINENT_CODES, type GeoLocation, type Site } from './types.js';

export type { Site } from './types.js';

/** Why `order` chose what it did (for traces and `explain`). */
export type SiteOrderReason = 'country' | 'continent' | 'distance' | 'default';

const RAD = Math.PI / 180;
const COUNTRY = /^[A-Z]{2}$/;
const CONTINENTS: ReadonlySet<string> = new Set(CONTINENT_CODES);
const EMPTY: readonly Site[] = Object.freeze([]);

/** Problems with a site list (field paths like `sites.fra.lat`); empty when it is fine. */
export function checkSites(sites: readonly Site[], defaultSite?: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const s of sites) {
    const at = `sites.${s.name}`;
    if (typeof s.name !== 'string' || s.name === '') problems.push({ field: 'sites', message: 'a site has no name' });
    else if (seen.has(s.name)) problems.push({ field: at, message: `site "${s.name}" is defined twice` });
    seen.add(s.name);
    if (!isValidPoint(s.lat, s.lon)) {
      problems.push({ field: at, message: `lat ${String(s.lat)}, lon ${String(s.lon)} is not a position (lat -90…90, lon -180…180)` });
    }
    (s.countries ?? []).forEach((c, i) => {
      if (typeof c !== 'string' || !COUNTRY.test(c.toUpperCase())) {
        problems.push({ field: `${at}.countries[${i}]`, message: `"${String(c)}" is not an ISO 3166 two-letter country code` });
      }
    });
    (s.continents ?? []).forEach((c, i) => {
      if (typeof c !== 'string' || !CONTINENTS.has(c.toUpperCase())) {
        problems.push({ field: `${at}.continents[${i}]`, message: `"${String(c)}" is not a continent code (${CONTINENT_CODES.join(', ')})` });
      }
    });
  }
  if (defaultSite !== undefined && !seen.has(defaultSite)) {
    problems.push({ field: 'default-site', message: `default site "${defaultSite}" is not one of the sites` });
  }
  return problems;
}

/**
 * Build the table. The default site (for clients whose location is unknown) is `defaultSite`,
 * or the first site declared. Throws MeridianError CONFIG_INVALID listing every problem.
 */
export function buildSiteTable(sites: readonly Site[], defaultSite?: string): SiteTable {
  const problems = checkSites(sites, defaultSite);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new MeridianError('CONFIG_INVALID', `${formatProblem(problems[0])}${more}`, problems);
  }
  return new SiteTable(sites, defaultSite);
}

/** Sites with their trigonometry computed once. */
interface Placed {
  readonly site: Site;
  readonly lat: number;
  readonly lon: number;
  readonly cosLat: number;
  /** position of the name in name order: the distance tie-break */
  readonly nameRank: number;
}

interface CountryOrders {
  /** the country's sites, then the rest */
  readonly alone: readonly Site[];
  /** the country's sites, then the continent's, then the rest; by continent code */
  readonly withContinent: ReadonlyMap<string, readonly Site[]>;
}

export class SiteTable {
  /** the sites, normalised (upper-case codes) and frozen, in declaration order */
  readonly sites: readonly Site[];
  readonly defaultSite: Site | undefined;
  readonly #placed: readonly Placed[];
  readonly #unknown: readonly Site[];
  readonly #byCountry: ReadonlyMap<string, CountryOrders>;
  readonly #byContinent: ReadonlyMap<string, readonly Site[]>;
  readonly #singletons: ReadonlyMap<Site, readonly Site[]>;
  /** orders by location object: the reader's cached lookups come back identical */
  readonly #memo = new WeakMap<GeoLocation, readonly Site[]>();
  /**
   * distance orders by their site indexes: locations that rank the sites the same way share one
   * frozen array (a few dozen in practice), so what callers remember per order stays small
   */
  readonly #interned = new Map<string, readonly Site[]>();
  /** scratch for the insertion sort (the query path is synchronous: no re-entry) */
  readonly #dist: Float64Array;
  readonly #rank: Int32Array;

  constructor(sites: readonly Site[], defaultSite?: string) {
    this.sites = Object.freeze(sites.map(normalise));
    const byName = [...this.sites].sort((a, b) => compareNames(a.name, b.name));
    this.#placed = this.sites.map((site) => ({
      site,
      lat: site.lat * RAD,
      lon: site.lon * RAD,
      cosLat: Math.cos(site.lat * RAD),
      nameRank: byName.indexOf(site),
    }));
    this.#dist = new Float64Array(this.sites.length);
    this.#rank = new Int32Array(this.sites.length);
    this.defaultSite = defaultSite === undefined ? this.sites[0] : this.sites.find((s) => s.name === defaultSite);
    this.#unknown = this.defaultSite ? this.#overrideOrder([this.defaultSite]) : EMPTY;

    const countrySites = groupBy(this.sites, (s) => s.countries);
    const continentSites = groupBy(this.sites, (s) => s.continents);
    const byContinent = new Map<string, readonly Site[]>();
    for (const [k, list] of continentSites) byContinent.set(k, this.#overrideOrder(list));
    const byCountry = new Map<string, CountryOrders>();
    for (const [c, list] of countrySites) {
      const withContinent = new Map<string, readonly Site[]>();
      for (const [k, more] of continentSites) withContinent.set(k, this.#overrideOrder([...list, ...more]));
      byCountry.set(c, Object.freeze({ alone: this.#overrideOrder(list), withContinent }));
    }
    this.#byContinent = byContinent;
    this.#byCountry = byCountry;
    this.#singletons = new Map(this.sites.map((s) => [s, Object.freeze([s])]));
  }

  /**
   * Every site, best first, for a client location (null/undefined = unknown). Override and
   * unknown orders are shared frozen arrays; a distance order is computed once per location
   * object and frozen. Whatever the rule, the answer is remembered per location object: the
   * reader returns one object for every subnet that shares a database record, so a repeated
   * client costs one WeakMap lookup here.
   */
  order(location: GeoLocation | null | undefined): readonly Site[] {
    if (!location) return this.#unknown;
    let o = this.#memo.get(location);
    if (!o) {
      o = this.#orderFor(location);
      this.#memo.set(location, o);
    }
    return o;
  }

  #orderFor(location: GeoLocation): readonly Site[] {
    const { country, continent } = location;
    if (country !== undefined) {
      const orders = this.#byCountry.get(country);
      if (orders) return (continent !== undefined && orders.withContinent.get(continent)) || orders.alone;
    }
    if (continent !== undefined) {
      const o = this.#byContinent.get(continent);
      if (o) return o;
    }
    const { lat, lon } = location;
    if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return this.#unknown;
    return this.#byDistance(lat * RAD, lon * RAD);
  }

  /** Which rule `order` applies to this location. */
  reason(location: GeoLocation | null | undefined): SiteOrderReason {
    if (!location) return 'default';
    if (location.country !== undefined && this.#byCountry.has(location.country)) return 'country';
    if (location.continent !== undefined && this.#byContinent.has(location.continent)) return 'continent';
    const { lat, lon } = location;
    return typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon) ? 'distance' : 'default';
  }

  /**
   * The first `n` sites of `order` for which `hasEligible(site, arg)` holds (a site with at
   * least one healthy, undrained member), in order; empty when none. Allocates nothing when
   * n = 1, when no site qualifies, or when every site of `order` qualifies and n ≥ its length.
   * `arg` lets callers pass state without creating a closure per query.
   */
  firstEligible<A>(order: readonly Site[], n: number, hasEligible: (site: Site, arg: A) => boolean, arg: A): readonly Site[] {
    if (n <= 0) return EMPTY;
    if (n === 1) {
      for (const s of order) if (hasEligible(s, arg)) return this.#singletons.get(s) ?? [s];
      return EMPTY;
    }
    let i = 0;
    while (i < order.length && i < n && hasEligible(order[i], arg)) i++;
    if (i === order.length) return order;
    let out: Site[] | undefined;
    let count = i;
    for (let j = i + 1; j < order.length && count < n; j++) {
      if (!hasEligible(order[j], arg)) continue;
      out ??= order.slice(0, i);
      out.push(order[j]);
      count++;
    }
    if (out) return out;
    return i === 0 ? EMPTY : i === 1 ? (this.#singletons.get(order[0]) ?? [order[0]]) : order.slice(0, i);
  }

  /** `first` (override or default sites, in that order), then every other site nearest to first[0]. */
  #overrideOrder(first: readonly Site[]): readonly Site[] {
    const head = [...new Set(first)];
    if (head.length === 0) return EMPTY;
    const from = this.#placed.find((p) => p.site === head[0])!;
    const rest = this.#byDistance(from.lat, from.lon).filter((s) => !head.includes(s));
    return Object.freeze([...head, ...rest]);
  }

  /** Every site by distance from a point given in radians, ties by name: insertion sort. */
  #byDistance(lat: number, lon: number): readonly Site[] {
    const placed = this.#placed;
    const n = placed.length;
    const out = new Array<Site>(n);
    const dist = this.#dist;
    const rank = this.#rank;
    const cosLat = Math.cos(lat);
    for (let i = 0; i < n; i++) {
      const p = placed[i];
      const d = haversineKm(lat, lon, cosLat, p.lat, p.lon, p.cosLat);
      let j = i;
      while (j > 0 && (dist[j - 1] > d || (dist[j - 1] === d && rank[j - 1] > p.nameRank))) {
        dist[j] = dist[j - 1];
        rank[j] = rank[j - 1];
        out[j] = out[j - 1];
        j--;
      }
      dist[j] = d;
      rank[j] = p.nameRank;
      out[j] = p.site;
    }
    const key = rank.subarray(0, n).join(',');
    let interned = this.#interned.get(key);
    if (!interned) this.#interned.set(key, (interned = Object.freeze(out)));
    return interned;
  }
}

function normalise(s: Site): Site {
  const site: { -readonly [K in keyof Site]: Site[K] } = { name: s.name, lat: s.lat, lon: s.lon };
  if (s.countries) site.countries = Object.freeze(s.countries.map((c) => c.toUpperCase()));
  if (s.continents) site.continents = Object.freeze(s.continents.map((c) => c.toUpperCase()));
  return Object.freeze(site);
}

/** Code → sites listing it, in declaration order. */
function groupBy(sites: readonly Site[], codes: (s: Site) => readonly string[] | undefined): Map<string, Site[]> {
  const m = new Map<string, Site[]>();
  for (const s of sites) {
    for (const c of codes(s) ?? []) {
      const list = m.get(c) ?? [];
      if (!list.includes(s)) list.push(s);
      m.set(c, list);
    }
  }
  return m;
}

/** Plain code-unit order, so the tie-break does not depend on the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
