/**
 * geoip/test-city.mmdb, the small GeoIP database the GeoIP tests use: it answers exactly what
 * geoip/test-networks.yaml says, and regenerating it (npm run geoip:test-db) gives the same bytes.
 * Also checks the MMDB writer behind it (scripts/geoip-mmdb-writer.mjs) on its own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Reader, type CityResponse } from 'maxmind';
import { afterAll, describe, expect, it } from 'vitest';
import { double, encodeValue, uint16, uint32, writeMmdb, writeNode, type MmdbValue, type WriteInput } from '../scripts/geoip-mmdb-writer.mjs';
import { itWith } from './helpers/tools.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const DB = join(ROOT, 'geoip/test-city.mmdb');
const MAKE = join(ROOT, 'scripts/geoip-make-test-db.mjs');

const checkedIn = readFileSync(DB);
const reader = new Reader<CityResponse>(checkedIn);
const tmp = mkdtempSync(join(tmpdir(), 'meridian-geoip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What a lookup gives, flattened: country continent city lat lon /prefix (city '-' when none). */
function look(r: Reader<CityResponse>, address: string): string {
  const [rec, prefix] = r.getWithPrefixLength(address);
  if (rec === null) return `null /${prefix}`;
  const loc = rec.location ? `${rec.location.latitude} ${rec.location.longitude}` : 'no-location';
  return `${rec.country?.iso_code} ${rec.continent?.code} ${rec.city?.names.en ?? '-'} ${loc} /${prefix}`;
}

// [address, expected]; the prefix is what maxmind reports: IPv4 bits for an IPv4 lookup (24, not
// 120), IPv6 bits for an IPv6 lookup, 96 + n for an IPv4-mapped IPv6 lookup
const DOCUMENTED: [string, string][] = [
  ['192.0.2.7', 'DE EU Frankfurt 50.11 8.68 /24'],
  ['192.0.2.0', 'DE EU Frankfurt 50.11 8.68 /24'],
  ['192.0.2.255', 'DE EU Frankfurt 50.11 8.68 /24'],
  ['198.51.100.1', 'US NA Ashburn 38.95 -77.45 /24'],
  ['203.0.113.200', 'SG AS Singapore 1.35 103.82 /24'],
  ['100.64.0.1', 'GB EU London 51.51 -0.13 /17'],
  ['100.64.127.255', 'GB EU London 51.51 -0.13 /17'],
  ['100.64.128.0', 'FR EU Paris 48.86 2.35 /18'],
  ['100.64.191.255', 'FR EU Paris 48.86 2.35 /18'],
  ['100.64.192.0', 'CA NA Toronto 43.65 -79.38 /18'],
  ['100.64.255.255', 'CA NA Toronto 43.65 -79.38 /18'],
  ['198.18.0.1', 'AU OC Sydney -33.87 151.21 /24'],
  ['198.18.1.1', 'BR SA São Paulo -23.55 -46.63 /24'],
  ['198.19.0.9', 'JP AS Tokyo 35.69 139.69 /24'],
  ['198.18.2.3', 'AT EU - no-location /24'],
  ['2001:db8:1::5', 'DE EU Frankfurt 50.11 8.68 /48'],
  ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', 'DE EU Frankfurt 50.11 8.68 /48'],
  ['2001:db8:2::', 'US NA Ashburn 38.95 -77.45 /48'],
  ['2001:db8:3:abcd::1', 'SG AS Singapore 1.35 103.82 /48'],
  // IPv4 through the IPv6 tree: IPv4-compatible, IPv4-mapped, 6to4 and Teredo (as MaxMind does)
  ['::192.0.2.7', 'DE EU Frankfurt 50.11 8.68 /120'],
  ['::ffff:192.0.2.7', 'DE EU Frankfurt 50.11 8.68 /120'],
  ['::ffff:100.64.200.1', 'CA NA Toronto 43.65 -79.38 /114'],
  ['2002:c000:207::1', 'DE EU Frankfurt 50.11 8.68 /40'],
  ['2001:0:c000:207::1', 'DE EU Frankfurt 50.11 8.68 /56'],
];

const UNKNOWN = [
  '192.0.3.0', '192.0.1.255', '100.65.0.1', '100.63.255.255', '198.18.3.1', '198.51.101.0',
  '10.0.0.1', '127.0.0.1', '8.8.8.8', '0.0.0.0', '255.255.255.255',
  '::1', '::', '2001:db8::1', '2001:db8:4::1', '2001:db9::1', 'fe80::1', '::ffff:10.0.0.1',
];

describe('geoip/test-city.mmdb', () => {
  it('is a small IPv6 City database with fixed metadata', () => {
    expect(checkedIn.length).toBeLessThan(8192);
    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'Meridian-Test-City',
      ipVersion: 6,
      languages: ['en'],
      recordSize: 24,
      buildEpoch: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it.each(DOCUMENTED)('%s → %s', (address, expected) => {
    expect(look(reader, address)).toBe(expected);
  });

  it.each(UNKNOWN)('%s → null', (address) => {
    expect(reader.get(address)).toBeNull();
  });

  it('stores records in the GeoIP2-City layout', () => {
    expect(reader.get('192.0.2.7')).toEqual({
      city: { names: { en: 'Frankfurt' } },
      continent: { code: 'EU' },
      country: { iso_code: 'DE' },
      location: { accuracy_radius: 20, latitude: 50.11, longitude: 8.68 },
      registered_country: { iso_code: 'DE' },
    });
    // a country but nowhere: no city, no location
    expect(reader.get('198.18.2.3')).toEqual({
      continent: { code: 'EU' },
      country: { iso_code: 'AT' },
      registered_country: { iso_code: 'DE' },
    });
  });

  it('is what `npm run geoip:test-db` makes from geoip/test-networks.yaml, byte for byte', async () => {
    const out = join(tmp, 'regenerated.mmdb');
    await run(process.execPath, [MAKE, '--out', out]);
    const again = readFileSync(out);
    expect(again.equals(checkedIn), 'geoip/test-city.mmdb is stale: run npm run geoip:test-db').toBe(true);
  });

  it('refuses a source with mistakes, saying where', async () => {
    const cases: [string, RegExp][] = [
      ['network: 192.0.2.1/24\n    country: DE\n    continent: EU', /host bits set in 192\.0\.2\.1\/24/],
      ['network: 192.0.2.0/24\n    country: de\n    continent: EU', /networks\[0\] \(192\.0\.2\.0\/24\): country must be/],
      ['network: 192.0.2.0/24\n    country: DE\n    continent: EU\n    latitude: 50', /latitude and longitude go together/],
      ['network: 192.0.2.0/24\n    country: DE\n    continent: EU\n    town: Bonn', /unknown key "town"/],
      ['network: ::ffff:192.0.2.0/120\n    country: DE\n    continent: EU', /overlaps an IPv4 alias range/],
    ];
    for (const [entry, message] of cases) {
      const source = join(tmp, 'bad.yaml');
      writeFileSync(source, `metadata: { database_type: T, build_epoch: 2026-01-01T00:00:00Z }\nnetworks:\n  - ${entry}\n`);
      const made = run(process.execPath, [MAKE, '--source', source, '--out', join(tmp, 'bad.mmdb')]);
      await expect(made).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(message) });
    }
  });

  itWith('mmdblookup', 'reads the same with libmaxminddb, the C reference reader', async () => {
    const lookup = (ip: string, ...path: string[]) =>
      run('mmdblookup', ['--file', DB, '--ip', ip, ...path]).then((r) => r.stdout.trim());
    expect(await lookup('198.18.1.1', 'city', 'names', 'en')).toBe('"São Paulo" <utf8_string>');
    expect(await lookup('2001:db8:3::1', 'location', 'longitude')).toBe('103.820000 <double>');
    expect(await lookup('100.64.0.1', 'location', 'accuracy_radius')).toBe('50 <uint16>');
    const verbose = await run('mmdblookup', ['--file', DB, '--ip', '192.0.2.7', '--verbose']);
    expect(verbose.stdout).toMatch(/Record prefix length: 120/); // libmaxminddb counts IPv6 bits
    await expect(lookup('10.0.0.1')).rejects.toMatchObject({ stderr: expect.stringMatching(/Could not find an entry/) });
  });
});

describe('the MMDB writer (scripts/geoip-mmdb-writer.mjs)', () => {
  const place = (name: string) => ({ city: { names: { en: name } }, location: { latitude: double(1.5), longitude: double(-2) } });
  const input: WriteInput = {
    networks: [
      { network: '10.0.0.0/8', data: place('wide') },
      { network: '10.1.2.0/24', data: place('narrow') }, // inside the /8: wins for its addresses
      { network: '2001:db8::/32', data: { n: uint32(4_000_000_000), ok: true, list: ['a', 'b'] } },
    ],
    metadata: { databaseType: 'T', buildEpoch: 0 },
  };

  it.each([24, 28, 32] as const)('writes record size %i that maxmind reads', (recordSize) => {
    const r = new Reader<Record<string, unknown>>(writeMmdb({ ...input, recordSize }));
    expect(r.metadata.recordSize).toBe(recordSize);
    const wide = { city: { names: { en: 'wide' } }, location: { latitude: 1.5, longitude: -2 } };
    // 10.9.9.9 is in 10.8.0.0/13, the largest piece of the /8 left around 10.1.2.0/24: a reader
    // reports the tree node where the record hangs, not the network as listed in the source
    expect(r.getWithPrefixLength('10.9.9.9')).toEqual([wide, 13]);
    expect(r.getWithPrefixLength('10.128.0.1')).toEqual([wide, 9]);
    expect(r.getWithPrefixLength('10.1.2.3')[0]).toMatchObject({ city: { names: { en: 'narrow' } } });
    expect(r.getWithPrefixLength('10.1.2.3')[1]).toBe(24);
    expect(r.get('10.1.3.0')).toMatchObject({ city: { names: { en: 'wide' } } });
    expect(r.getWithPrefixLength('2001:db8:ffff::1')).toEqual([{ n: 4_000_000_000, ok: true, list: ['a', 'b'] }, 32]);
    expect(r.get('11.0.0.0')).toBeNull();
  });

  it('stores each distinct record once, and the same input gives the same bytes', () => {
    const plus = (data: MmdbValue) => writeMmdb({ ...input, networks: [...input.networks, { network: '192.0.2.0/24', data }] });
    const other = place('elsewhere');
    // same tree shape; the only difference is the one new record in the data section
    expect(plus(other).length - plus(place('wide')).length).toBe(encodeValue(other).length);
    expect(writeMmdb(input).equals(writeMmdb(input))).toBe(true);
  });

  it('packs 24, 28 and 32-bit records as the spec draws them', () => {
    const node = (size: 24 | 28 | 32, left: number, right: number) => {
      const buf = Buffer.alloc(size / 4);
      writeNode(buf, 0, size, left, right);
      return buf.toString('hex');
    };
    expect(node(24, 0xabcdef, 0x123456)).toBe('abcdef123456');
    // 28: left's low 24 bits, then a byte of left's top nibble | right's top nibble, then right's low 24
    expect(node(28, 0x0abcdef1, 0x0fedcba9)).toBe('bcdef1afedcba9');
    expect(node(32, 0xabcdef12, 0x3456789a)).toBe('abcdef123456789a');
  });

  it('refuses what it cannot write faithfully', () => {
    const meta = { databaseType: 'T', buildEpoch: 0 };
    const write = (network: string, data: unknown = 'x') =>
      writeMmdb({ networks: [{ network, data: data as never }], metadata: meta });
    expect(() => write('10.0.0.1/8')).toThrow(/host bits set/);
    expect(() => write('10.0.0.0/33')).toThrow(/prefix length over 32/);
    expect(() => write('2001:db8:::/48')).toThrow(/not an IP address/);
    expect(() => write('10.0.0.0/8', { n: 1 })).toThrow(/bare number 1/);
    expect(() => write('10.0.0.0/8', { n: null })).toThrow(/cannot encode null/);
    expect(() => write('2002::/15')).toThrow(/overlaps an IPv4 alias range/);
    expect(() => uint16(65536)).toThrow(RangeError);
    expect(() =>
      writeMmdb({ networks: [{ network: '10.0.0.0/8', data: 'a' }, { network: '10.0.0.0/8', data: 'b' }], metadata: meta }),
    ).toThrow(/listed twice/);
  });
});
