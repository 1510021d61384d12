/**
 * GeoIP building blocks: distance, site choice data, the database reader and its file watcher.
 * Nothing here is a pipeline stage; a stage reads a GeoDatabase and a SiteTable from a snapshot.
 */
export { EARTH_RADIUS_KM, distanceKm, haversineKm, isValidPoint, type GeoPoint } from './distance.js';
export { buildSiteTable, checkSites, SiteTable, type SiteOrderReason } from './sites.js';
export { DEFAULT_GEO_CACHE_SIZE, DEFAULT_GEO_RECORD_CACHE_SIZE, GeoDatabase, openMmdb, toLocation, type GeoCacheStats, type GeoDatabaseInfo, type GeoDatabaseOptions, type MmdbSource } from './reader.js';
export { LocationDecoder, SearchTree, type TreeHit, type TreeShape } from './mmdb.js';
export { SPECIAL_V4, SPECIAL_V6, specialPrefix, specialRange, type SpecialRange } from './special.js';
export { GeoWatcher, openWatched, type GeoWatchOptions } from './watch.js';
export { CONTINENT_CODES, type ContinentCode, type GeoLocation, type GeoLookup, type Site } from './types.js';
