/**
 * Great-circle distance on a spherical Earth (haversine). Accurate to about 0.5 % against the
 * ellipsoid, which is far finer than GeoIP coordinates (often a city centroid, sometimes a country
 * centroid) deserve. Pure and allocation-free.
 */

/** A point on the globe, in decimal degrees (north and east positive). */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/** Distance in km between two points. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  return haversineKm(a.lat * RAD, a.lon * RAD, Math.cos(a.lat * RAD), b.lat * RAD, b.lon * RAD, Math.cos(b.lat * RAD));
}

/**
 * The same, from radians and the cosine of each latitude, so callers that compare one point with
 * many (site ordering) can compute a site's trigonometry once, when sites are loaded.
 */
export function haversineKm(lat1: number, lon1: number, cosLat1: number, lat2: number, lon2: number, cosLat2: number): number {
  const sLat = Math.sin((lat2 - lat1) / 2);
  const sLon = Math.sin((lon2 - lon1) / 2);
  const h = sLat * sLat + cosLat1 * cosLat2 * sLon * sLon;
  // rounding can push h a hair past 1 for antipodal points
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** True when lat ∈ [-90, 90] and lon ∈ [-180, 180], both finite. */
export function isValidPoint(lat: unknown, lon: unknown): boolean {
  return typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}
