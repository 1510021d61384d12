import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Reader, type CityResponse } from 'maxmind';
import { afterAll, describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import { formatAddress } from '../wire/address.js';
import { GeoDatabase, openMmdb, toLocation, type MmdbSource } from './reader.js';
import { REAL_DB, TEST_DB, addr, look, testDbBytes } from './testing.js';

const bytes = testDbBytes();
const db = GeoDatabase.fromBuffer(bytes, 'test-city.mmdb');
const raw = new Reader<CityResponse>(bytes);
const source = openMmdb(bytes, 'test-city.mmdb');
const tmp = mkdtempSync(join(tmpdir(), 'meridian-geo-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The real database file, counting the tree walks (as address text) and record decodes that reach it. */
function counting(reader: MmdbSource = source): MmdbSource & { calls: string[]; decoded: number[] } {
  const calls: string[] = [];
  const decoded: number[] = [];
  return {
    calls,
    decoded,
    metadata: reader.metadata,
    find(b: Uint8Array) {
      calls.push(formatAddress({ family: b.length === 4 ? 4 : 6, bytes: b }));
      return reader.find(b);
    },
    location(record: number) {
      decoded.push(record);
      return reader.location(record);
    },
  };
}

describe('GeoDatabase.lookup against geoip/test-city.mmdb', () => {
  // callers pass addresses already masked to the ECS source prefix (or /24, /56 for sources)
  it.each([
    ['192.0.2.0', 'DE EU Frankfurt 50.11 8.68 /24'],
    ['192.0.2.77', 'DE EU Frankfurt 50.11 8.68 /24'],
    ['198.51.100.0', 'US NA Ashburn 38.95 -77.45 /24'],
    ['203.0.113.0', 'SG AS Singapore 1.35 103.82 /24'],
    // 100.64.0.0/10 is CGNAT: real clients, in the database, not a special range
    ['100.64.0.0', 'GB EU London 51.51 -0.13 /17'],
    ['100.64.127.0', 'GB EU London 51.51 -0.13 /17'],
    ['100.64.128.0', 'FR EU Paris 48.86 2.35 /18'],
    ['100.64.192.0', 'CA NA Toronto 43.65 -79.38 /18'],
    ['198.18.0.0', 'AU OC Sydney -33.87 151.21 /24'],
    ['198.18.1.0', 'BR SA São Paulo -23.55 -46.63 /24'],
    ['198.19.0.0', 'JP AS Tokyo 35.69 139.69 /24'],
    // country and continent only (what a Country database gives everywhere)
    ['198.18.2.0', 'AT EU - - - /24'],
    ['2001:db8:1::', 'DE EU Frankfurt 50.11 8.68 /48'],
    ['2001:db8:1:ff00::', 'DE EU Frankfurt 50.11 8.68 /48'],
    ['2001:db8:2::', 'US NA Ashburn 38.95 -77.45 /48'],
    ['2001:db8:3:ab00::', 'SG AS Singapore 1.35 103.82 /48'],
    // IPv4 through the IPv6 tree keeps IPv6 units: it was asked as IPv6
    ['::ffff:192.0.2.0', 'DE EU Frankfurt 50.11 8.68 /120'],
    ['2002:c000:200::', 'DE EU Frankfurt 50.11 8.68 /40'],
  ])('%s → %s', (address, expected) => {
    expect(look(db, address)).toBe(expected);
  });

  it('reports IPv4 prefixes in IPv4 bits although the database is IPv6', () => {
    expect(db.info.ipVersion).toBe(6);
    // what maxmind itself says for the same network asked both ways
    expect(raw.getWithPrefixLength('192.0.2.0')[1]).toBe(24);
    expect(raw.getWithPrefixLength('::ffff:192.0.2.0')[1]).toBe(120);
    expect(db.lookup(addr('192.0.2.0').bytes, 4).prefix).toBe(24);
  });

  it('keeps the record for a record-level match and the tree depth for a miss', () => {
    for (const address of ['100.65.0.0', '8.8.8.0', '2001:db8:4::', '2a00:1450::']) {
      const { bytes: b, family } = addr(address);
      const got = db.lookup(b, family);
      expect(got.location, address).toBeNull();
      expect(got.prefix, address).toBe(raw.getWithPrefixLength(address)[1]);
      expect(got.prefix).toBeLessThanOrEqual(family === 4 ? 32 : 128);
    }
    // the hole next to the three /18s and /17 of 100.64.0.0/16: the rest of 100.64.0.0/10
    expect(look(db, '100.65.0.0')).toBe('null /16');
  });

  it.each([
    ['10.1.2.0', 8],
    ['127.0.0.0', 8],
    ['0.0.0.0', 8],
    ['169.254.7.0', 16],
    ['172.16.0.0', 12],
    ['172.31.255.0', 12],
    ['192.168.1.0', 16],
    ['::', 128],
    ['::1', 128],
    ['fe80::', 10],
    ['fd12:3456:789a::', 7],
    ['::ffff:10.9.8.0', 104],
    ['::ffff:192.168.0.0', 112],
  ])('%s is private/loopback/link-local/unspecified: null location, /%i, no database lookup', (address, prefix) => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    const { bytes: b, family } = addr(address);
    expect(d.lookup(b, family)).toEqual({ location: null, prefix });
    expect(spy.calls).toEqual([]);
  });

  it('does not treat neighbours of special ranges as special', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    for (const address of ['172.32.0.0', '172.15.255.0', '169.253.0.0', '11.0.0.0', '126.0.0.0', 'fec0::', '::2', '::ffff:11.0.0.0']) {
      const { bytes: b, family } = addr(address);
      d.lookup(b, family);
    }
    expect(spy.calls).toHaveLength(8);
  });

  it('returns frozen results', () => {
    const r = db.lookup(addr('192.0.2.0').bytes, 4);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.location)).toBe(true);
    expect(r.location).toEqual({ country: 'DE', continent: 'EU', lat: 50.11, lon: 8.68, city: 'Frankfurt' });
  });

  it('rejects bytes that do not match the family', () => {
    expect(() => db.lookup(new Uint8Array(16), 4)).toThrow(TypeError);
    expect(() => db.lookup(new Uint8Array(4), 6)).toThrow(TypeError);
  });
});

describe('GeoDatabase cache', () => {
  it('asks the reader once per subnet and returns the same object', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    const first = d.lookup(addr('192.0.2.0').bytes, 4);
    const again = d.lookup(addr('192.0.2.0').bytes, 4);
    d.lookup(addr('198.51.100.0').bytes, 4);
    d.lookup(addr('2001:db8:1::').bytes, 6);
    d.lookup(addr('2001:db8:1::').bytes, 6);
    d.lookup(addr('100.65.0.0').bytes, 4); // a miss in the database is cached too
    d.lookup(addr('100.65.0.0').bytes, 4);
    expect(again).toBe(first);
    expect(spy.calls).toEqual(['192.0.2.0', '198.51.100.0', '2001:db8:1::', '100.65.0.0']);
    expect(d.stats()).toEqual({ hits: 3, misses: 4, size: 4, max: 65_536, errors: 0, records: { hits: 0, decoded: 3, size: 3, max: 65_536 } });
  });

  it('decodes a record once for all the networks that share it, and gives them one location object', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    // 192.0.2.0/24 asked as IPv4, as IPv4-mapped IPv6 and through 6to4: three subnets, one record
    const v4 = d.lookup(addr('192.0.2.0').bytes, 4);
    const mapped = d.lookup(addr('::ffff:192.0.2.0').bytes, 6);
    const sixToFour = d.lookup(addr('2002:c000:200::').bytes, 6);
    expect(spy.calls).toHaveLength(3);
    expect(spy.decoded).toHaveLength(1);
    expect(mapped.location).toBe(v4.location);
    expect(sixToFour.location).toBe(v4.location);
    // each keeps the prefix of its own network
    expect([v4.prefix, mapped.prefix, sixToFour.prefix]).toEqual([24, 120, 40]);
    expect(d.stats().records).toEqual({ hits: 2, decoded: 1, size: 1, max: 65_536 });
  });

  it('decodes a record again once its cache has let it go', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy', { cacheSize: 1, recordCacheSize: 1 });
    for (const a of ['192.0.2.0', '198.51.100.0', '192.0.2.1']) d.lookup(addr(a).bytes, 4);
    expect(spy.decoded).toHaveLength(3);
    expect(d.lookup(addr('192.0.2.2').bytes, 4).location?.city).toBe('Frankfurt');
    expect(spy.decoded).toHaveLength(3); // 192.0.2.1 left the record in the cache
  });

  it('keys by family as well as bytes', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    // c000:0200:: starts with the bytes of 192.0.2.0
    const v4 = d.lookup(Uint8Array.of(192, 0, 2, 0), 4);
    const v6 = d.lookup(addr('c000:200::').bytes, 6);
    expect(spy.calls).toHaveLength(2);
    expect(v4.location?.city).toBe('Frankfurt');
    expect(v6.location).toBeNull();
  });

  it('keys by the bytes given: unmasked addresses of one subnet are separate entries', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy');
    d.lookup(addr('192.0.2.1').bytes, 4);
    d.lookup(addr('192.0.2.2').bytes, 4);
    expect(spy.calls).toHaveLength(2);
  });

  it('evicts the least recently used subnet beyond its size', () => {
    const spy = counting();
    const d = new GeoDatabase(spy, 'spy', { cacheSize: 2 });
    for (const a of ['192.0.2.0', '198.51.100.0', '192.0.2.0', '203.0.113.0', '192.0.2.0', '198.51.100.0']) d.lookup(addr(a).bytes, 4);
    // 198.51.100.0 was evicted by 203.0.113.0; 192.0.2.0 stayed because it was used
    expect(spy.calls).toEqual(['192.0.2.0', '198.51.100.0', '203.0.113.0', '198.51.100.0']);
    expect(d.stats().size).toBe(2);
  });

  it('rejects a cache size that is not a positive integer', () => {
    expect(() => GeoDatabase.fromBuffer(bytes, 'x', { cacheSize: 0 })).toThrow(MeridianError);
    expect(() => GeoDatabase.fromBuffer(bytes, 'x', { cacheSize: 1.5 })).toThrow(/positive integer/);
    expect(() => GeoDatabase.fromBuffer(bytes, 'x', { recordCacheSize: 0 })).toThrow(/positive integer/);
  });

  it('answers "unknown" when the reader throws (corrupt tree), and counts it', () => {
    const broken: MmdbSource = {
      metadata: raw.metadata,
      find() {
        throw new RangeError('the data at 99 runs past the end of the file');
      },
      location: () => null,
    };
    const d = new GeoDatabase(broken, 'broken');
    expect(d.lookup(addr('192.0.2.0').bytes, 4)).toEqual({ location: null, prefix: 0 });
    expect(d.stats().errors).toBe(1);
    // a record that cannot be decoded is the same
    const badRecord = new GeoDatabase({ ...source, location: () => broken.find(new Uint8Array(4)) as never }, 'bad record');
    expect(badRecord.lookup(addr('192.0.2.0').bytes, 4)).toEqual({ location: null, prefix: 0 });
    expect(badRecord.stats().errors).toBe(1);
  });

  it('never asks an IPv4-only database about IPv6', () => {
    const spy = counting({ ...source, metadata: { ...raw.metadata, ipVersion: 4 } });
    const d = new GeoDatabase(spy, 'v4-only');
    expect(d.lookup(addr('2001:db8:1::').bytes, 6)).toEqual({ location: null, prefix: 0 });
    expect(d.lookup(addr('192.0.2.0').bytes, 4).location?.country).toBe('DE');
    expect(spy.calls).toEqual(['192.0.2.0']);
  });
});

describe('toLocation', () => {
  const base = { geoname_id: 1, names: { en: 'x' } };
  it.each<[string, unknown, unknown]>([
    [
      'City layout',
      { city: { names: { en: 'Frankfurt' } }, continent: { code: 'EU' }, country: { iso_code: 'DE' }, location: { latitude: 50.11, longitude: 8.68 } },
      { country: 'DE', continent: 'EU', lat: 50.11, lon: 8.68, city: 'Frankfurt' },
    ],
    [
      'Country layout',
      { continent: { ...base, code: 'EU' }, country: { ...base, iso_code: 'AT' }, registered_country: { ...base, iso_code: 'DE' } },
      { country: 'AT', continent: 'EU' },
    ],
    // anycast (1.1.1.1 in GeoLite2): only where the block is registered → unknown, default site
    ['registered country only', { registered_country: { ...base, iso_code: 'AU' } }, null],
    ['coordinates only', { location: { latitude: 1.5, longitude: -2.5 } }, { lat: 1.5, lon: -2.5 }],
    ['bad coordinates dropped', { country: { iso_code: 'FR' }, location: { latitude: 91, longitude: 0 } }, { country: 'FR' }],
    ['lower-case codes', { country: { iso_code: 'de' }, continent: { code: 'eu' } }, { country: 'DE', continent: 'EU' }],
    ['empty record', {}, null],
  ])('%s', (_what, record, expected) => {
    expect(toLocation(record as CityResponse)).toEqual(expected);
  });
});

describe('GeoDatabase metadata and errors', () => {
  it('describes the database', async () => {
    const opened = await GeoDatabase.open(TEST_DB);
    expect(opened.info).toEqual({
      name: TEST_DB,
      databaseType: 'Meridian-Test-City',
      description: 'Meridian test networks (documentation ranges; not real GeoIP data)',
      buildEpoch: raw.metadata.buildEpoch.getTime() / 1000,
      builtAt: raw.metadata.buildEpoch.toISOString(),
      ipVersion: 6,
      nodeCount: raw.metadata.nodeCount,
      recordSize: raw.metadata.recordSize,
      size: bytes.length,
    });
    expect(Object.isFrozen(opened.info)).toBe(true);
    expect(look(opened, '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
  });

  it.each<[string, () => Buffer, RegExp]>([
    ['an empty file', () => Buffer.alloc(0), /: the file is empty$/],
    ['a gzip file', () => gzipSync(bytes), /gzip-compressed: unpack it first/],
    ['the first half', () => bytes.subarray(0, bytes.length >> 1), /no MaxMind DB metadata found: truncated, or not an mmdb file/],
    ['a file cut 10 bytes short', () => bytes.subarray(0, bytes.length - 10), /its metadata cannot be read \(.*\): truncated or corrupt/],
    ['a file missing its first bytes', () => bytes.subarray(100), /does not end where the data section starts: truncated or corrupt/],
    ['a text file', () => Buffer.from('not a database\n'.repeat(100)), /no MaxMind DB metadata found/],
  ])('refuses %s with CONFIG_INVALID', async (_what, make, message) => {
    const file = join(tmp, 'bad.mmdb');
    writeFileSync(file, make());
    const err = await GeoDatabase.open(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MeridianError);
    expect((err as MeridianError).code).toBe('MERIDIAN_ERR_CONFIG_INVALID');
    expect((err as MeridianError).message).toMatch(new RegExp(`^GeoIP database ${file}: `));
    expect((err as MeridianError).message).toMatch(message);
    expect((err as MeridianError).problems).toEqual([{ file, message: expect.any(String) }]);
  });

  it('says when the file does not exist or is a directory', async () => {
    const missing = join(tmp, 'nope', 'GeoLite2-City.mmdb');
    await expect(GeoDatabase.open(missing)).rejects.toThrow(`GeoIP database ${missing}: no such file`);
    await expect(GeoDatabase.open(tmp)).rejects.toThrow(`GeoIP database ${tmp}: is a directory, not a file`);
  });
});

// the real database, when `npm run geoip:install` has put it there (CI does)
const realBytes = existsSync(REAL_DB) ? readFileSync(REAL_DB) : undefined;
describe.skipIf(!realBytes)('GeoDatabase with GeoLite2 City (needs npm run geoip:install)', () => {
  const real = realBytes ? GeoDatabase.fromBuffer(realBytes, REAL_DB) : db;
  const rawReal = realBytes ? new Reader<CityResponse>(realBytes) : raw;

  it('is a City database', () => {
    expect(real.info.databaseType).toBe('GeoLite2-City');
    expect(real.info.ipVersion).toBe(6);
  });

  // countries chosen for stability: Google DNS, a UK documentation favourite, Google Frankfurt
  it.each([
    ['8.8.8.0', 'US', 'NA'],
    ['81.2.69.0', 'GB', 'EU'],
    ['2a00:1450:4001::', 'DE', 'EU'],
  ])('%s is in %s (%s), with the prefix maxmind reports, in the family\'s bits', (address, country, continent) => {
    const { bytes: b, family } = addr(address);
    const got = real.lookup(b, family);
    expect(got.location?.country).toBe(country);
    expect(got.location?.continent).toBe(continent);
    expect(got.location?.lat).toEqual(expect.any(Number));
    expect(got.prefix).toBe(rawReal.getWithPrefixLength(address)[1]);
    expect(got.prefix).toBeGreaterThan(0);
    expect(got.prefix).toBeLessThanOrEqual(family === 4 ? 32 : 64);
  });

  it('places 1.1.1.1 (anycast: a registered country only) nowhere', () => {
    expect(real.lookup(addr('1.1.1.0').bytes, 4).location).toBeNull();
  });
});
