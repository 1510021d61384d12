import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MeridianError } from '../errors.js';
import { importMasterFile, masterFileToYaml } from './import.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/import/${name}`, import.meta.url));
const exampleZone = readFileSync(fixture('example.zone'), 'utf8');

const SOA = '@ SOA ns1 hostmaster 7 1h 10m 1w 1m\n';

function errorOf(fn: () => unknown): MeridianError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeridianError) return err;
    throw err;
  }
  throw new Error('expected a MeridianError');
}

describe('importMasterFile on the example zone', () => {
  const result = importMasterFile(exampleZone, { file: 'example.zone' });

  it('produces the expected YAML', async () => {
    await expect(result.yaml).toMatchFileSnapshot(fixture('example.expected.yaml'));
  });

  it('warns about what it left out or changed', () => {
    expect(result.warnings).toEqual([
      'example.zone:12 apex NS TTL 86400 in the file; Meridian serves apex NS with the zone ttl (300)',
      'example.zone:18 skipped DNSKEY at @: type not supported by Meridian',
      'example.zone:47 skipped DS at sub.eu: type not supported by Meridian',
      'example.zone:48 skipped A at other.example.test.: outside the zone lb.example.test.',
    ]);
  });

  it('round-trips through a YAML parser into the zone structure', () => {
    const doc = parse(result.yaml);
    expect(Object.keys(doc)).toEqual(['zone', 'ttl', 'soa', 'ns', 'records']);
    expect(doc.zone).toBe('lb.example.test.');
    expect(doc.ttl).toBe(300);
    expect(doc.soa).toEqual({
      mname: 'ns1.lb.example.test.', rname: 'hostmaster.example.test.', serial: 2026112501,
      refresh: 3600, retry: 600, expire: 604800, minimum: 60,
    });
    expect(doc.ns).toEqual(['ns1.lb.example.test.', 'ns2.lb.example.test.']);
    expect(doc.records).toHaveLength(27);
    for (const r of doc.records) {
      expect(Object.keys(r)).toEqual(r.ttl === undefined ? ['name', 'type', 'data'] : ['name', 'type', 'data', 'ttl']);
      expect([typeof r.name, typeof r.type, typeof r.data]).toEqual(['string', 'string', 'string']);
    }
    expect(doc.records).toContainEqual({ name: 'www', type: 'A', data: '192.0.2.10', ttl: 30 });
    expect(doc.records).toContainEqual({ name: '10.eu', type: 'PTR', data: 'api.eu.lb.example.test.', ttl: 3600 });
    expect(doc.records).toContainEqual({ name: 'txt', type: 'TXT', data: '"v=spf1 -all" "second string"' });
    expect(doc.records).toContainEqual({ name: 'quotes', type: 'TXT', data: '"semi;colon" "say \\"hi\\"" "back\\\\slash" "caf\\195\\169"' });
  });

  it('masterFileToYaml returns the same text', () => {
    expect(masterFileToYaml(exampleZone, { file: 'example.zone' })).toBe(result.yaml);
  });
});

describe('importMasterFile', () => {
  it('without $TTL uses the most common TTL as the default, and gives the SOA its own ttl', () => {
    const text = `$ORIGIN z.test.\n${SOA.replace('SOA', '3600 SOA')}@ 60 NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n`;
    expect(importMasterFile(text)).toEqual({
      yaml: [
        '# Imported by `meridian import`.',
        '# Default ttl: the most common TTL in the file; names relative to the zone, record data with absolute names.',
        '',
        'zone: z.test.',
        'ttl: 60',
        'soa: { mname: ns1.z.test., rname: hostmaster.z.test., serial: 7, refresh: 3600, retry: 600, expire: 604800, minimum: 60, ttl: 3600 }',
        'ns: [ ns1.z.test. ]',
        'records:',
        '  - { name: ns1, type: A, data: 192.0.2.1 }',
        '  - { name: www, type: A, data: 192.0.2.2 }',
        '',
      ].join('\n'),
      warnings: [],
    });
  });

  it('uses --origin, quotes names YAML would misread, and skips duplicates', () => {
    const text = `$TTL 60\n${SOA} NS ns1\n10 PTR host.other.test.\n10 PTR host.other.test.\ntrue TXT "yes"\n`;
    const { yaml, warnings } = importMasterFile(text, { origin: '2.0.192.in-addr.arpa', file: 'rev.zone' });
    expect(parse(yaml).records).toEqual([
      { name: '10', type: 'PTR', data: 'host.other.test.' },
      { name: 'true', type: 'TXT', data: '"yes"' },
    ]);
    expect(warnings).toEqual(['rev.zone:5 skipped duplicate PTR at 10']);
    expect(yaml).toContain('# Imported by `meridian import` from rev.zone.\n');
    expect(yaml).toContain('#   rev.zone:5 skipped duplicate PTR at 10\n');
  });

  it('warns when the apex has no NS records', () => {
    expect(importMasterFile(`$TTL 60\n${SOA}`, { origin: 'z.test.' }).warnings).toEqual(['no NS records at the zone apex']);
  });

  it.each([
    ['no SOA', '$TTL 60\n@ NS ns1\n', undefined, 'no SOA record: a zone needs one at its apex'],
    ['an SOA below the apex', `$TTL 60\n@ NS ns1\nsub SOA ns1 h 1 2 3 4 5\n`, 3, 'SOA record for sub.z.test. is not at the zone apex z.test.'],
    ['two SOA records', `$TTL 60\n${SOA}${SOA}`, 3, 'second SOA record (a zone has exactly one)'],
  ])('rejects %s', (_what, text, line, message) => {
    const err = errorOf(() => importMasterFile(text, { origin: 'z.test.', file: 'z.zone' }));
    expect(err.kind).toBe('MASTERFILE_INVALID');
    expect(err.problems).toEqual([{ file: 'z.zone', ...(line && { line }), message }]);
  });
});
