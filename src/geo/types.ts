/**
 * GeoIP is data: the reader turns a client subnet into a GeoLocation, the site table turns a
 * GeoLocation into sites in preference order. Both are plain, immutable values so a pipeline
 * snapshot (or another process) can hold them.
 */

/** ISO continent codes as MaxMind writes them. */
export const CONTINENT_CODES = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;
export type ContinentCode = (typeof CONTINENT_CODES)[number];

/**
 * Where a client is, as far as the GeoIP database knows. Every field is optional: a Country
 * database has no coordinates, some networks have only a registered country.
 */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case ("DE") */
  readonly country?: string;
  /** continent code ("EU") */
  readonly continent?: string;
  /** decimal degrees */
  readonly lat?: number;
  readonly lon?: number;
  /** English city name, for traces and logs only */
  readonly city?: string;
}

/** One lookup: the location (null = private, loopback, unknown…) and the prefix it holds for. */
export interface GeoLookup {
  readonly location: GeoLocation | null;
  /**
   * Length of the network the answer holds for, in the client's family (0–32 for IPv4, 0–128 for
   * IPv6): the ECS SCOPE PREFIX-LENGTH an answer that depended on this lookup should carry.
   */
  readonly prefix: number;
}

/** A site as configured: where it is, and optional explicit overrides. */
export interface Site {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** clients in these countries (ISO alpha-2) prefer this site, whatever the distance */
  readonly countries?: readonly string[];
  /** clients on these continents prefer this site (after country overrides) */
  readonly continents?: readonly string[];
}
