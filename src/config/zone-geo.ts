/**
 * GeoIP steering in a zone file: the `geoip:` and `sites:` sections and the `geo:` keys of a
 * pool, as a schema and as the checks the schema cannot make (site names, country and continent
 * codes, overrides claimed twice, member sites that exist). The database file is not opened
 * here: the server checks it when it starts, and keeps reloading it.
 */
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { Problem } from '../errors.js';
import type { ZoneFile, ZoneFilePool } from './zone-schema.js';
import { CONTINENTS, GEO_MODES, LABEL_PATTERN, type ContinentCode, type GeoipDef, type PoolDef, type SiteDef } from './zone-types.js';
import type { Path, ZoneSource } from './zone-yaml.js';

export const GEO_DEFAULTS = { geo: 'none', sitesPerAnswer: 1 } as const;
export const MAX_SITES_PER_ANSWER = 16;

// ---- schema (structure only) ----

function closed<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}
function oneOf<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}
const Text = Type.String({ minLength: 1 });
const Codes = Type.Array(Type.String(), { errorMessage: 'must be a list of two-letter codes, e.g. [DE, AT]' });

export const GeoipSchema = closed({
  database: Type.Optional(Text),
  'default-site': Type.Optional(Text),
});

export const SiteSchema = closed({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  countries: Type.Optional(Codes),
  continents: Type.Optional(Codes),
});

export const SitesSchema = Type.Record(Type.String(), SiteSchema);

/** Spread into the pool schema. */
export const PoolGeoKeys = {
  geo: Type.Optional(oneOf(GEO_MODES)),
  'sites-per-answer': Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SITES_PER_ANSWER })),
};

type SiteFile = Static<typeof SiteSchema>;

// ---- codes ----

/** ISO 3166-1 alpha-2 (as in tzdata's iso3166.tab), plus XK, which MaxMind uses for Kosovo. */
const COUNTRIES = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
  CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
  GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
  KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS
  MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
  RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW
  TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK`.split(/\s+/),
);

/** Codes people write that MaxMind never returns. */
const NOT_COUNTRIES: Record<string, string> = {
  UK: 'the United Kingdom is GB',
  EL: 'Greece is GR',
  EU: 'EU is a continent: list it under continents',
};

/** Upper-case code, or the reason `text` is not an ISO 3166-1 alpha-2 country code. */
export function countryCode(text: string): { code: string } | { why: string } {
  const shown = JSON.stringify(text);
  if (!/^[A-Za-z]{2}$/.test(text)) return { why: `${shown} is not a country code: write the two-letter ISO 3166-1 code, e.g. DE` };
  const code = text.toUpperCase();
  if (COUNTRIES.has(code)) return { code };
  const hint = NOT_COUNTRIES[code];
  return { why: `${shown} is not an ISO 3166-1 country code${hint ? ` (${hint})` : ''}` };
}

/** Upper-case continent code, or the reason `text` is not one. */
export function continentCode(text: string): { code: ContinentCode } | { why: string } {
  const code = text.toUpperCase() as ContinentCode;
  if (CONTINENTS.includes(code)) return { code };
  return { why: `${JSON.stringify(text)} is not a continent code: use ${CONTINENTS.slice(0, -1).join(', ')} or ${CONTINENTS.at(-1)}` };
}

// ---- the zone's geoip: and sites: ----

const LABEL = new RegExp(LABEL_PATTERN);

/** Who claimed each override code first: "country:DE" -> site and line. */
type Claims = Map<string, { site: string; line: number }>;

function codes<C extends string>(
  what: 'country' | 'continent',
  list: string[] | undefined,
  parse: (text: string) => { code: C } | { why: string },
  at: { site: string; path: Path; claims: Claims; src: ZoneSource; problems: Problem[] },
): C[] {
  const out: C[] = [];
  (list ?? []).forEach((text, i) => {
    const path = [...at.path, i];
    const parsed = parse(text);
    if ('why' in parsed) {
      at.problems.push(at.src.problem(path, parsed.why));
      return;
    }
    if (out.includes(parsed.code)) return;
    out.push(parsed.code);
    const key = `${what}:${parsed.code}`;
    const first = at.claims.get(key);
    if (first) {
      const claimed = `${what} ${parsed.code} is already claimed by site "${first.site}" (line ${first.line})`;
      const why = `${claimed}; an override can name one site only`;
      at.problems.push(at.src.problem(path, why));
    } else at.claims.set(key, { site: at.site, line: at.src.where(path).line ?? 0 });
  });
  return out;
}

function buildSites(section: Record<string, SiteFile> | undefined, src: ZoneSource, problems: Problem[]): SiteDef[] {
  const claims: Claims = new Map();
  return Object.entries(section ?? {}).map(([name, s]) => {
    const path = ['sites', name];
    if (!LABEL.test(name)) {
      problems.push(src.keyProblem(path, 'site name must be 1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit'));
    }
    const at = { site: name, claims, src, problems };
    return {
      name,
      lat: s.lat,
      lon: s.lon,
      countries: codes('country', s.countries, countryCode, { ...at, path: [...path, 'countries'] }),
      continents: codes('continent', s.continents, continentCode, { ...at, path: [...path, 'continents'] }),
      line: src.whereKey(['sites'], name).line,
    };
  });
}

function buildGeoip(section: ZoneFile['geoip'], sites: SiteDef[], src: ZoneSource, problems: Problem[]): GeoipDef | undefined {
  if (section === undefined) return undefined;
  const { database, 'default-site': defaultSite } = section;
  if (database !== undefined && database.trim() === '') problems.push(src.problem(['geoip', 'database'], 'must not be empty'));
  if (defaultSite !== undefined && !sites.some((s) => s.name === defaultSite)) {
    problems.push(src.problem(['geoip', 'default-site'], `no site named "${defaultSite}" in sites:`));
  }
  const file = src.file;
  return {
    ...(database !== undefined ? { database: file === undefined ? database : resolve(dirname(file), database) } : {}),
    ...(defaultSite !== undefined ? { defaultSite } : {}),
  };
}

/** The zone's `geoip:` and `sites:` sections. A relative database is resolved against the file's directory. */
export function buildGeo(
  data: Pick<ZoneFile, 'geoip' | 'sites'>,
  src: ZoneSource,
): { geoip?: GeoipDef; sites: SiteDef[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const sites = buildSites(data.sites, src, problems);
  const geoip = buildGeoip(data.geoip, sites, src, problems);
  return { ...(geoip ? { geoip } : {}), sites, problems };
}

// ---- a pool's geo: ----

/**
 * A pool's `geo:` and `sites-per-answer:`, and its members' `site:` against the zone's sites.
 * `path` is pools.NAME.
 */
export function poolGeo(
  pool: ZoneFilePool,
  path: Path,
  sites: readonly SiteDef[],
  src: ZoneSource,
  problems: Problem[],
): Pick<PoolDef, 'geo' | 'sitesPerAnswer'> {
  const geo = pool.geo ?? GEO_DEFAULTS.geo;
  const nearest = geo === 'nearest';
  if (pool['sites-per-answer'] !== undefined && !nearest) {
    problems.push(src.keyProblem([...path, 'sites-per-answer'], 'sites-per-answer applies only with geo: nearest'));
  }
  if (nearest && sites.length === 0) {
    problems.push(src.problem([...path, 'geo'], 'geo: nearest needs sites: this zone defines none'));
  }
  const names = new Set(sites.map((s) => s.name));
  pool.members.forEach((m, j) => {
    const at = [...path, 'members', j];
    if (m.site === undefined) {
      const why = `member "${m.name}" has no site (geo: nearest needs one on every member)`;
      if (nearest && sites.length) problems.push(src.keyProblem([...at, 'site'], why));
    } else if (sites.length && !names.has(m.site)) {
      problems.push(src.problem([...at, 'site'], `member "${m.name}": no site named "${m.site}" in sites:`));
    }
  });
  return { geo, sitesPerAnswer: pool['sites-per-answer'] ?? GEO_DEFAULTS.sitesPerAnswer };
}
