#!/usr/bin/env node
/**
 * Make geoip/test-city.mmdb from geoip/test-networks.yaml (`npm run geoip:test-db`).
 *
 *   node scripts/geoip-make-test-db.mjs [--source FILE.yaml] [--out FILE.mmdb]
 *
 * Records follow the GeoIP2-City layout, so code written for MaxMind's City databases reads them:
 *   { city: { names: { en } }, continent: { code }, country: { iso_code },
 *     location: { accuracy_radius, latitude, longitude }, registered_country: { iso_code } }
 * (city, location and registered_country only when the source gives them). The source is
 * checked strictly: unknown keys, bad codes or coordinates, and duplicate networks are errors.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { double, uint16, writeMmdb } from './geoip-mmdb-writer.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SOURCE = join(ROOT, 'geoip/test-networks.yaml');
export const DEFAULT_OUT = join(ROOT, 'geoip/test-city.mmdb');

const CONTINENTS = new Set(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);
const NETWORK_KEYS = new Set([
  'network', 'country', 'continent', 'city', 'latitude', 'longitude', 'accuracy_radius', 'registered_country',
]);
const METADATA_KEYS = new Set(['database_type', 'description', 'languages', 'build_epoch']);

function fail(where, message) {
  throw new Error(`${where}: ${message}`);
}

function unknownKeys(obj, allowed, where) {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) fail(where, `unknown key "${k}"`);
}

function isoCode(value, where, key) {
  if (typeof value !== 'string' || !/^[A-Z]{2}$/.test(value)) fail(where, `${key} must be a two-letter ISO code`);
  return value;
}

function degrees(value, limit, where, key) {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
    fail(where, `${key} must be a number of degrees within ±${limit}`);
  }
  return double(value);
}

/** One source entry → { network, data } in the GeoIP2-City layout. */
function toRecord(entry, index) {
  const where = `networks[${index}]${entry?.network ? ` (${entry.network})` : ''}`;
  if (entry === null || typeof entry !== 'object') fail(where, 'must be a map');
  unknownKeys(entry, NETWORK_KEYS, where);
  if (typeof entry.network !== 'string') fail(where, 'network is required (ADDRESS/LENGTH)');
  if (!CONTINENTS.has(entry.continent)) fail(where, `continent must be one of ${[...CONTINENTS].join(' ')}`);
  const hasLat = entry.latitude !== undefined;
  if (hasLat !== (entry.longitude !== undefined)) fail(where, 'latitude and longitude go together');
  if (entry.accuracy_radius !== undefined && !hasLat) fail(where, 'accuracy_radius needs a location');
  if (entry.city !== undefined && (typeof entry.city !== 'string' || entry.city === '')) {
    fail(where, 'city must be a name');
  }
  const radius = entry.accuracy_radius;
  if (radius !== undefined && !(Number.isInteger(radius) && radius > 0 && radius < 65536)) {
    fail(where, 'accuracy_radius must be a whole number of km');
  }
  const data = {
    city: entry.city === undefined ? undefined : { names: { en: entry.city } },
    continent: { code: entry.continent },
    country: { iso_code: isoCode(entry.country, where, 'country') },
    location: hasLat
      ? {
          accuracy_radius: radius === undefined ? undefined : uint16(radius),
          latitude: degrees(entry.latitude, 90, where, 'latitude'),
          longitude: degrees(entry.longitude, 180, where, 'longitude'),
        }
      : undefined,
    registered_country:
      entry.registered_country === undefined
        ? undefined
        : { iso_code: isoCode(entry.registered_country, where, 'registered_country') },
  };
  return { network: entry.network, data };
}

function toMetadata(meta = {}) {
  unknownKeys(meta, METADATA_KEYS, 'metadata');
  const epoch = Date.parse(meta.build_epoch instanceof Date ? meta.build_epoch.toISOString() : String(meta.build_epoch));
  if (Number.isNaN(epoch)) fail('metadata', 'build_epoch must be a date (YYYY-MM-DDTHH:MM:SSZ)');
  if (typeof meta.database_type !== 'string') fail('metadata', 'database_type is required');
  const languages = meta.languages ?? ['en'];
  return {
    databaseType: meta.database_type,
    description: meta.description === undefined ? {} : { en: String(meta.description) },
    languages,
    buildEpoch: Math.floor(epoch / 1000),
  };
}

/** The MMDB bytes for a source text (YAML). Pure: same text, same bytes. */
export function makeTestDb(yamlText) {
  const source = parseYaml(yamlText);
  if (!Array.isArray(source?.networks) || source.networks.length === 0) fail('source', 'networks: a list is required');
  unknownKeys(source, new Set(['metadata', 'networks']), 'source');
  return writeMmdb({ networks: source.networks.map(toRecord), metadata: toMetadata(source.metadata) });
}

function main() {
  const { values } = parseArgs({
    options: { source: { type: 'string', default: DEFAULT_SOURCE }, out: { type: 'string', default: DEFAULT_OUT } },
  });
  const bytes = makeTestDb(readFileSync(values.source, 'utf8'));
  const tmp = `${values.out}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, values.out); // atomic: a server watching the file never sees half of it
  const show = (p) => relative(process.cwd(), p) || p;
  process.stderr.write(`geoip: wrote ${show(values.out)} (${bytes.length} bytes) from ${show(values.source)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`geoip: ${err.message}\n`);
    process.exit(1);
  }
}
