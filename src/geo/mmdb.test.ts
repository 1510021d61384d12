import { existsSync, readFileSync } from 'node:fs';
import { Reader, type CityResponse } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { double, encodeValue, uint16, uint32, uint64, writeMmdb, writeNode, type WriteInput } from '../../scripts/geoip-mmdb-writer.mjs';
import { LocationDecoder, SearchTree } from './mmdb.js';
import { toLocation } from './reader.js';
import { REAL_DB, addr, testDbBytes } from './testing.js';

/** Tree walk and decode of `address`, as "location /prefix" (what maxmind + toLocation should give too). */
function ours(buf: Buffer, address: string): string {
  const r = new Reader<CityResponse>(buf);
  const { record, depth } = new SearchTree(buf, r.metadata).find(addr(address).bytes);
  const location = record < 0 ? null : new LocationDecoder(buf, r.metadata.searchTreeSize).location(record);
  return `${JSON.stringify(location)} /${depth}`;
}
function theirs(buf: Buffer, address: string): string {
  const [record, depth] = new Reader<CityResponse>(buf).getWithPrefixLength(address);
  return `${JSON.stringify(record && toLocation(record))} /${depth}`;
}

const TEST_ADDRESSES = [
  '192.0.2.0', '192.0.2.255', '198.51.100.7', '203.0.113.0', '100.64.0.0', '100.64.127.255', '100.64.128.0', '100.64.192.9',
  '100.65.0.0', '198.18.0.0', '198.18.1.0', '198.18.2.0', '198.19.0.0', '8.8.8.8', '1.1.1.1', '10.0.0.1', '0.0.0.0', '255.255.255.255',
  '2001:db8:1::', '2001:db8:2::1', '2001:db8:3:ab00::', '2001:db8:4::', '::ffff:192.0.2.0', '2002:c000:200::', '::', '::1', 'ffff::',
];

describe('SearchTree and LocationDecoder read what maxmind reads', () => {
  it.each(TEST_ADDRESSES)('geoip/test-city.mmdb: %s', (address) => {
    const buf = testDbBytes();
    expect(ours(buf, address)).toBe(theirs(buf, address));
  });

  const input: WriteInput = {
    networks: [
      { network: '10.0.0.0/8', data: { city: { names: { en: 'wide', de: 'weit' } }, country: { iso_code: 'de' }, location: { latitude: double(1.5), longitude: double(-2) } } },
      { network: '10.1.2.0/24', data: { country: { iso_code: 'FR', names: { en: 'France' } }, continent: { code: 'EU' } } },
      { network: '2001:db8::/32', data: { n: uint32(4_000_000_000), ok: true, list: ['a', 'b'], location: { latitude: double(10), longitude: double(20) } } },
    ],
    metadata: { databaseType: 'T', buildEpoch: 0 },
  };
  it.each([24, 28, 32] as const)('record size %i', (recordSize) => {
    const buf = writeMmdb({ ...input, recordSize });
    for (const a of ['10.9.9.9', '10.128.0.1', '10.1.2.3', '10.1.3.0', '11.0.0.0', '2001:db8:ffff::1', '::ffff:10.1.2.3', '2001:db9::']) expect(ours(buf, a), a).toBe(theirs(buf, a));
    expect(ours(buf, '10.9.9.9')).toBe('{"country":"DE","lat":1.5,"lon":-2,"city":"wide"} /13');
  });

  it('walks an IPv4 database from its root', () => {
    // one node: 0.0.0.0/1 → the record, 128.0.0.0/1 → no data
    const record = encodeValue({ country: { iso_code: 'NZ' } });
    const tree = Buffer.alloc(6);
    writeNode(tree, 0, 24, 1 + 16, 1);
    const buf = Buffer.concat([tree, Buffer.alloc(16), record]);
    const t = new SearchTree(buf, { nodeCount: 1, recordSize: 24, ipVersion: 4, searchTreeSize: 6 });
    expect(t.find(Uint8Array.of(1, 2, 3, 4))).toEqual({ record: 22, depth: 1 });
    expect(t.find(Uint8Array.of(200, 2, 3, 4))).toEqual({ record: -1, depth: 1 });
    expect(new LocationDecoder(buf, 6).location(22)).toEqual({ country: 'NZ' });
  });

  it('refuses a tree that does not fit the file', () => {
    expect(() => new SearchTree(Buffer.alloc(20), { nodeCount: 10, recordSize: 24, ipVersion: 6, searchTreeSize: 60 })).toThrow(RangeError);
    expect(() => new SearchTree(Buffer.alloc(100), { nodeCount: 1, recordSize: 26, ipVersion: 6, searchTreeSize: 6 })).toThrow(/record size 26/);
  });
});

// ------------------------------------------------------------------------------ hand-made data

const ctl = (type: number, size: number): Buffer => (type <= 7 ? Buffer.from([(type << 5) | size]) : Buffer.from([size, type - 7]));
const str = (s: string): Buffer => encodeValue(s);
const map = (...pairs: Buffer[]): Buffer => Buffer.concat([ctl(7, pairs.length / 2), ...pairs]);
/** A pointer to data section offset `p`, in the size the spec gives it (or `forceSize`). */
function ptr(p: number, forceSize?: 0 | 1 | 2 | 3): Buffer {
  const size = forceSize ?? (p < 2048 ? 0 : p < 526_336 ? 1 : p < 134_744_064 ? 2 : 3);
  if (size === 0) return Buffer.from([0x20 | (p >> 8), p & 0xff]);
  if (size === 1) return Buffer.from([0x28 | ((p - 2048) >> 16), ((p - 2048) >> 8) & 0xff, (p - 2048) & 0xff]);
  if (size === 2) {
    const q = p - 526_336;
    return Buffer.from([0x30 | (q >>> 24), (q >> 16) & 0xff, (q >> 8) & 0xff, q & 0xff]);
  }
  const out = Buffer.from([0x38, 0, 0, 0, 0]);
  out.writeUInt32BE(p, 1);
  return out;
}

/**
 * A data section made of `parts` (pointers count from its start), after a zero-node tree: the
 * decoder reads it like a file's. Returns the buffer and each part's file offset.
 */
function section(...parts: Buffer[]): { buf: Buffer; at: number[]; dec: LocationDecoder } {
  const at: number[] = [];
  let off = 16;
  for (const p of parts) {
    at.push(off);
    off += p.length;
  }
  const buf = Buffer.concat([Buffer.alloc(16), ...parts]);
  return { buf, at, dec: new LocationDecoder(buf, 0) };
}

describe('LocationDecoder on hand-made records', () => {
  it('follows pointers of every size, for keys and values', () => {
    // shared pieces first, as MaxMind's writer lays them out: a country map and the key "city"
    const country = map(str('iso_code'), str('jp'), str('names'), map(str('en'), str('Japan')));
    const cityKey = str('city');
    const shared = Buffer.concat([country, cityKey]);
    for (const size of [0, 1, 2, 3] as const) {
      // pad so that size-1 and size-2 pointers reach past their thresholds
      const pad = size === 1 ? 2100 : size === 2 ? 530_000 : 0;
      const padding = Buffer.alloc(pad, 0x40); // empty strings: never read
      const record = map(str('country'), ptr(pad, size), ptr(pad + country.length, size), map(str('names'), map(str('en'), str('Tokyo'))));
      const { at, dec } = section(padding, shared, record);
      expect(dec.location(at[2]), `pointer size ${size}`).toEqual({ country: 'JP', city: 'Tokyo' });
    }
  });

  it('skips fields of every type, of every size encoding', () => {
    const long = 'x'.repeat(70_000); // size 31: three size bytes
    const record = map(
      str('registered_country'), map(str('iso_code'), str('US'), str('is_in_european_union'), ctl(14, 1)),
      str('subdivisions'), Buffer.concat([ctl(11, 2), map(str('iso_code'), str('HE')), map(str('iso_code'), str('BY'))]),
      str('a_long_string'), encodeValue('y'.repeat(300)), // size 30
      str('a_medium_string'), encodeValue('z'.repeat(100)), // size 29
      str('bytes'), Buffer.concat([ctl(4, 31), Buffer.from([0, (long.length - 65_821) >> 8, (long.length - 65_821) & 0xff]), Buffer.from(long)]),
      str('big'), encodeValue(uint64(2n ** 60n)),
      str('huge'), Buffer.concat([ctl(10, 16), Buffer.alloc(16, 1)]),
      str('int'), Buffer.concat([ctl(8, 4), Buffer.from([0xff, 0xff, 0xff, 0xfe])]),
      str('float'), Buffer.concat([ctl(15, 4), Buffer.alloc(4)]),
      str('small'), encodeValue(uint16(7)),
      str('nothing'), ctl(9, 0),
      str('country'), map(str('iso_code'), str('de')),
      str('location'), map(str('accuracy_radius'), encodeValue(uint16(20)), str('latitude'), encodeValue(double(50.11)), str('longitude'), encodeValue(double(8.68))),
      str('continent'), map(str('code'), str('eu')),
    );
    const { at, dec } = section(record);
    expect(dec.location(at[0])).toEqual({ country: 'DE', continent: 'EU', lat: 50.11, lon: 8.68 });
  });

  it('applies the rules of toLocation', () => {
    const cases: [Buffer, unknown][] = [
      [map(), null],
      [map(str('registered_country'), map(str('iso_code'), str('AU'))), null],
      [map(str('location'), map(str('latitude'), encodeValue(double(91)), str('longitude'), encodeValue(double(0))), str('country'), map(str('iso_code'), str('FR'))), { country: 'FR' }],
      [map(str('location'), map(str('latitude'), encodeValue(double(1.5)), str('longitude'), encodeValue(double(-2.5)))), { lat: 1.5, lon: -2.5 }],
      [map(str('city'), map(str('names'), map(str('en'), str(''))), str('country'), map(str('iso_code'), str(''))), null],
      [map(str('country'), str('DE'), str('continent'), map(str('code'), encodeValue(uint16(3)))), null], // wrong types
      // the last of duplicate keys wins, as in a decoded object
      [map(str('country'), map(str('iso_code'), str('DE')), str('country'), map(str('iso_code'), str('AT'))), { country: 'AT' }],
      [encodeValue('not a map'), null],
    ];
    for (const [record, expected] of cases) {
      const { at, dec } = section(record);
      expect(dec.location(at[0])).toEqual(expected);
    }
  });

  it.each<[string, () => Buffer[]]>([
    ['a record cut short', () => [map(str('country'), map(str('iso_code'), str('DE'))).subarray(0, 12)]],
    ['a pointer past the end', () => [map(str('country'), ptr(5000))]],
    ['a pointer to a pointer', () => [ptr(2), map(str('country'), ptr(0))]],
    ['a key that is not a string', () => [map(encodeValue(uint16(1)), str('x'))]],
    ['a bad extended type', () => [map(str('k'), Buffer.from([0x00, 0x09]))]],
    ['a string that runs past the end', () => [map(str('city'), map(str('names'), map(str('en'), Buffer.concat([ctl(2, 20), Buffer.from('short')]))))]],
  ])('throws RangeError for %s', (_what, parts) => {
    const { at, dec } = section(...parts());
    expect(() => dec.location(at[at.length - 1])).toThrow(RangeError);
  });

  it('refuses data nested deeper than any record', () => {
    let deep = str('x');
    for (let i = 0; i < 100; i++) deep = Buffer.concat([ctl(11, 1), deep]);
    const { at, dec } = section(map(str('deep'), deep, str('country'), map(str('iso_code'), str('DE'))));
    expect(() => dec.location(at[0])).toThrow(/nested/);
  });
});

// the real database, when `npm run geoip:install` has put it there (CI does)
const realBytes = existsSync(REAL_DB) ? readFileSync(REAL_DB) : undefined;
describe.skipIf(!realBytes)('with GeoLite2 City (needs npm run geoip:install)', () => {
  it('agrees with maxmind + toLocation on 20,000 random addresses of both families', () => {
    const buf = realBytes!;
    const reader = new Reader<CityResponse>(buf);
    const tree = new SearchTree(buf, reader.metadata);
    const dec = new LocationDecoder(buf, reader.metadata.searchTreeSize);
    let seed = 0x5eed;
    const byte = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) >>> 16) & 0xff;
    const diffs: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v6 = i % 4 === 0;
      const b = Uint8Array.from({ length: v6 ? 16 : 4 }, byte);
      if (v6) b[0] = 0x20 | (b[0] & 0x0f); // 2000::/4: where the allocated IPv6 space is
      const text = v6 ? Array.from({ length: 8 }, (_, k) => ((b[2 * k] << 8) | b[2 * k + 1]).toString(16)).join(':') : b.join('.');
      const [record, depth] = reader.getWithPrefixLength(text);
      const hit = tree.find(b);
      const want = JSON.stringify([record && toLocation(record), depth]);
      const got = JSON.stringify([hit.record < 0 ? null : dec.location(hit.record), hit.depth]);
      if (want !== got) diffs.push(`${text}: ${got}, maxmind ${want}`);
    }
    expect(diffs.slice(0, 5)).toEqual([]);
  });
});
