import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeridianError, formatProblem } from '../errors.js';
import { loadZoneFile, parseZoneText } from './zone-file.js';
import type { ZoneDefinition } from './zone-types.js';

/** Records as `dig` would print them, with the line they came from. */
function rrs(z: ZoneDefinition): string[] {
  return z.records.map((r) => `${r.line} ${r.name} ${r.ttl} IN ${r.typeName} ${r.text}`);
}

/** The formatted problems of a zone text that must fail. */
function problems(text: string): string[] {
  try {
    parseZoneText(text, 'z.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MeridianError);
    expect((e as MeridianError).kind).toBe('ZONE_INVALID');
    return (e as MeridianError).problems.map(formatProblem);
  }
  throw new Error('zone unexpectedly loaded');
}

const HEAD = `zone: lb.example.test.
soa: { mname: ns1, rname: hostmaster.example.test., serial: 7 }
ns: [ns1]
`;

// The YAML from the issue, verbatim.
const ISSUE = `zone: lb.example.test.          # origin
ttl: 300                        # default TTL
soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 2026112501,
       refresh: 3600, retry: 600, expire: 604800, minimum: 60 }
ns: [ns1.lb.example.test., ns2.lb.example.test.]
records:                        # names relative to the origin, "@" for the apex, or absolute with a dot
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: ns2, type: A, data: 192.0.2.54 }
  - { name: "@", type: MX, data: "10 mail.example.test." }
  - { name: www, type: A, data: 192.0.2.10, ttl: 30 }
  - { name: www, type: AAAA, data: "2001:db8::10" }
  - { name: docs, type: CNAME, data: www }
  - { name: "*.apps", type: A, data: 192.0.2.20 }
  - { name: api, pool: web }            # A and AAAA for api come from pool "web"
pools:
  web:
    algorithm: weighted-round-robin     # round-robin | weighted-round-robin | least-connections | weighted-least-connections | random | weighted-random | ip-hash
    ttl: 20                             # default 30
    answers: 1                          # default 1
    fallback: all                       # all (default) | none | { pool: backup } ; with none, \`empty: nodata|servfail\` (default nodata)
    hash-prefix: { v4: 24, v6: 56 }     # ip-hash only; defaults 24 / 56
    members:
      - { name: fra-1, address: 198.51.100.10, weight: 3, site: fra }   # weight default 1, enabled default true
      - { name: fra-2, address: "2001:db8:1::10", weight: 3, site: fra }
      - { name: iad-1, address: 203.0.113.10, weight: 1, site: iad, enabled: false }
`;

describe('parseZoneText: good zones', () => {
  it('loads the issue example verbatim', () => {
    const z = parseZoneText(ISSUE, 'lb.yaml');
    expect(z.origin).toBe('lb.example.test.');
    expect(z.file).toBe('lb.yaml');
    expect([z.serial, z.defaultTtl]).toEqual([2026112501, 300]);
    expect(rrs(z)).toEqual([
      '3 lb.example.test. 300 IN SOA ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60',
      '5 lb.example.test. 300 IN NS ns1.lb.example.test.',
      '5 lb.example.test. 300 IN NS ns2.lb.example.test.',
      '7 ns1.lb.example.test. 300 IN A 192.0.2.53',
      '8 ns2.lb.example.test. 300 IN A 192.0.2.54',
      '9 lb.example.test. 300 IN MX 10 mail.example.test.',
      '10 www.lb.example.test. 30 IN A 192.0.2.10',
      '11 www.lb.example.test. 300 IN AAAA 2001:db8::10',
      '12 docs.lb.example.test. 300 IN CNAME www.lb.example.test.',
      '13 *.apps.lb.example.test. 300 IN A 192.0.2.20',
    ]);
    expect(z.records[8].target).toBe('www.lb.example.test.');
    expect(z.records[6].rdata.toString('hex')).toBe('c000020a');
    expect(z.poolRecords).toEqual([{ name: 'api.lb.example.test.', pool: 'web', line: 14 }]);
    expect(z.pools).toEqual([
      {
        name: 'web',
        algorithm: 'weighted-round-robin',
        ttl: 20,
        answers: 1,
        fallback: { kind: 'all' },
        hashPrefix: { v4: 24, v6: 56 },
        geo: 'none',
        sitesPerAnswer: 1,
        line: 16,
        members: [
          { name: 'fra-1', address: '198.51.100.10', family: 4, weight: 3, site: 'fra', enabled: true, drained: false, check: null, line: 23 },
          { name: 'fra-2', address: '2001:db8:1::10', family: 6, weight: 3, site: 'fra', enabled: true, drained: false, check: null, line: 24 },
          { name: 'iad-1', address: '203.0.113.10', family: 4, weight: 1, site: 'iad', enabled: false, drained: false, check: null, line: 25 },
        ],
      },
    ]);
  });

  it('fills defaults: zone ttl 3600, SOA timers, soa.ttl, pool and member defaults', () => {
    const z = parseZoneText(
      `zone: lb.example.test
soa: { mname: ns1, rname: hostmaster, serial: 7, ttl: 60 }
ns: [ns1]
records:
  - { name: lb.example.test., type: A, data: 192.0.2.1 }
pools:
  p: { algorithm: random, members: [{ name: m, address: "2001:DB8:0:0::1" }] }
`,
    );
    expect(z.file).toBeUndefined();
    expect([z.geoip, z.sites]).toEqual([undefined, []]);
    expect(rrs(z)).toEqual([
      '2 lb.example.test. 60 IN SOA ns1.lb.example.test. hostmaster.lb.example.test. 7 3600 600 604800 60',
      '3 lb.example.test. 3600 IN NS ns1.lb.example.test.',
      '5 lb.example.test. 3600 IN A 192.0.2.1',
    ]);
    expect(z.pools[0]).toEqual({
      name: 'p',
      algorithm: 'random',
      ttl: 30,
      answers: 1,
      fallback: { kind: 'all' },
      hashPrefix: { v4: 24, v6: 56 },
      geo: 'none',
      sitesPerAnswer: 1,
      line: 7,
      members: [{ name: 'm', address: '2001:db8::1', family: 6, weight: 1, enabled: true, drained: false, check: null, line: 7 }],
    });
  });

  it('reads numbers as names, data lists, class IN; merges duplicates and apex NS', () => {
    const z = parseZoneText(
      `${HEAD}ttl: 300
records:
  - { name: 10, type: PTR, data: www }
  - { name: "@", type: NS, data: [ns1, ns2.example.test.] }
  - { name: txt, class: IN, type: txt, data: ["a", '"b" "c"', "a"] }
  - { name: txt, type: TXT, data: a }
  - name: 0x10
    type: A
    data: 192.0.2.16
`,
    );
    expect(rrs(z)).toEqual([
      '2 lb.example.test. 300 IN SOA ns1.lb.example.test. hostmaster.example.test. 7 3600 600 604800 60',
      '3 lb.example.test. 300 IN NS ns1.lb.example.test.',
      '7 lb.example.test. 300 IN NS ns2.example.test.',
      '6 10.lb.example.test. 300 IN PTR www.lb.example.test.',
      '8 txt.lb.example.test. 300 IN TXT "a"',
      '8 txt.lb.example.test. 300 IN TXT "b" "c"',
      '10 0x10.lb.example.test. 300 IN A 192.0.2.16',
    ]);
  });

  it('accepts a delegation with glue, pools beside other types, fallback chains', () => {
    const z = parseZoneText(
      `${HEAD}records:
  - { name: child, type: NS, data: ns.child }
  - { name: ns.child, type: A, data: 192.0.2.5 }
  - { name: api, pool: a }
  - { name: api, type: TXT, data: hello }
pools:
  a: { algorithm: random, fallback: { pool: b }, members: [{ name: m, address: 192.0.2.1 }] }
  b: { algorithm: random, fallback: none, members: [{ name: m, address: 192.0.2.2, weight: 0 }] }
`,
    );
    expect(z.records.map((r) => `${r.name} ${r.typeName}`).slice(2)).toEqual([
      'child.lb.example.test. NS',
      'ns.child.lb.example.test. A',
      'api.lb.example.test. TXT',
    ]);
    expect(z.pools.map((p) => p.fallback)).toEqual([{ kind: 'pool', pool: 'b' }, { kind: 'none', rcode: 'nodata' }]);
  });
});

describe('parseZoneText: bad zones name file, line, column and field', () => {
  it('reports YAML syntax errors with their line', () => {
    expect(problems('zone: a.\nsoa: { mname: ns1 }\nrecords:\n  - { name: @, type: A }\n  - name: x\n   type: A\n')).toEqual([
      'z.yaml:4:13 YAML: Plain value cannot start with reserved character @ (put the value in quotes, e.g. "@")',
      'z.yaml:6:1 YAML: Sequence item without - indicator',
    ]);
    expect(problems('zone: a.\nzone: b.\n')).toEqual(['z.yaml:2:1 YAML: Map keys must be unique']);
    expect(problems('# nothing\n')).toEqual(['z.yaml:1:1 the zone file is empty']);
  });

  it('reports schema problems: unknown keys, types, ranges, enums', () => {
    expect(
      problems(`zone: lb.example.test.
ttl: -1
tll: 3
geo: {}
soa: { mname: ns1, serial: x }
records:
  - { name: www, tpye: A, data: 192.0.2.1 }
  - { name: www, type: A, data: { a: 1 }, class: CH }
  - name: w2
    ttl: 99999999999
pools:
  web:
    algorithm: least-conn
    fallback: other
    answers: 0
    members:
      - { name: "bad name", address: 1.2.3.4, weight: -1, enabled: yes }
  none: { algorithm: random, members: [] }
`),
    ).toEqual([
      'z.yaml:2:6 ttl: -1 is out of range (0..2147483647)',
      'z.yaml:3:1 tll: unknown key (did you mean "ttl"?)',
      'z.yaml:4:1 geo: unknown key (did you mean "geoip"?)',
      'z.yaml:5:6 soa.rname: missing (required)',
      'z.yaml:5:28 soa.serial: "x" is not a whole number',
      'z.yaml:7:18 records[0].tpye: unknown key (did you mean "type"?)',
      'z.yaml:8:33 records[1].data: must be a string or a non-empty list of strings',
      'z.yaml:8:50 records[1].class: only class IN is supported',
      'z.yaml:10:10 records[2].ttl: 99999999999 is out of range (0..2147483647)',
      'z.yaml:13:16 pools.web.algorithm: "least-conn" is not one of: round-robin, weighted-round-robin, least-connections, weighted-least-connections, random, weighted-random, ip-hash',
      'z.yaml:14:15 pools.web.fallback: must be all, none or { pool: NAME }',
      'z.yaml:15:14 pools.web.answers: 0 is out of range (1..64)',
      'z.yaml:17:17 pools.web.members[0].name: must be 1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit',
      'z.yaml:17:55 pools.web.members[0].weight: -1 is out of range (0..1000000)',
      'z.yaml:17:68 pools.web.members[0].enabled: "yes" is not true or false',
      'z.yaml:18:39 pools.none.members: must not be empty',
    ]);
  });

  it('names map keys that look like numbers as keys, list items as indexes', () => {
    const text = `${HEAD}pools:\n  10: { algorithm: rr, members: [{ name: m, address: 1.2.3.4 }, { name: n, address: x }] }\n`;
    expect(problems(text)).toEqual([
      'z.yaml:5:20 pools.10.algorithm: "rr" is not one of: round-robin, weighted-round-robin, least-connections, weighted-least-connections, random, weighted-random, ip-hash',
    ]);
    expect(problems(text.replace('rr', 'random'))).toEqual(['z.yaml:5:89 pools.10.members[1].address: "x" is not an IPv4 or IPv6 address']);
  });

  it('reports every semantic problem at once', () => {
    const text = `${HEAD}records:
  - { name: www, type: A, data: 192.0.2.10 }
  - { name: www, type: CNAME, data: web }
  - { name: "@", type: CNAME, data: web }
  - { name: www.other.test., type: A, data: 192.0.2.1 }
  - { name: a.*.b, type: A, data: 192.0.2.300 }
  - { name: api, pool: web }
  - { name: api, type: AAAA, data: "2001:db8::1" }
  - { name: x, pool: nope, ttl: 5 }
  - { name: y, type: SOA, data: "a. b. 1 2 3 4 5" }
  - { name: z, type: A, data: [192.0.2.1, 192.0.2.1, bad] }
  - { name: z, type: A, data: 192.0.2.9, ttl: 10 }
  - { name: child, type: NS, data: ns.child }
  - { name: txt.child, type: TXT, data: hi }
  - { name: q }
  - { name: r, type: WKS, data: x }
pools:
  web:
    algorithm: weighted-round-robin
    fallback: { pool: b }
    empty: nodata
    members:
      - { name: m1, address: 192.0.2.1 }
      - { name: m1, address: 192.0.2.999 }
  b: { algorithm: random, fallback: { pool: web }, members: [{ name: m1, address: "::1" }] }
  c: { algorithm: random, fallback: { pool: gone }, members: [{ name: m1, address: "::1" }] }
`;
    expect(problems(text)).toEqual([
      'z.yaml:6:24 records[1].type: "www.lb.example.test." has A at line 5; a CNAME cannot share its name with other data',
      'z.yaml:7:24 records[2].type: a CNAME cannot be at the zone apex (the apex has SOA and NS)',
      'z.yaml:8:13 records[3].name: "www.other.test." is outside the zone lb.example.test.',
      'z.yaml:9:13 records[4].name: "a.*.b": "*" is only allowed as the whole leftmost label',
      'z.yaml:9:35 records[4].data: "192.0.2.300" is not an IPv4 address',
      'z.yaml:11:24 records[6].type: "api.lb.example.test." gets A and AAAA from pool "web" (line 10); it cannot also have static AAAA records',
      'z.yaml:12:22 records[7].pool: no pool named "nope" in this zone',
      "z.yaml:12:28 records[7].ttl: ttl does not go with pool: A and AAAA come from the pool, with the pool's ttl",
      'z.yaml:13:22 records[8].type: SOA is not allowed in records: it comes from the soa: section',
      'z.yaml:14:54 records[9].data[2]: "bad" is not an IPv4 address',
      'z.yaml:15:47 records[10].ttl: TTL 10 differs from TTL 3600 of the same A RRset at line 14',
      'z.yaml:17:30 records[12].type: "txt.child.lb.example.test." is at or below the delegation "child.lb.example.test." (NS at line 16) and would never be served',
      'z.yaml:18:5 records[13].type: missing (a record needs type and data, or pool)',
      'z.yaml:18:5 records[13].data: missing (a record needs type and data, or pool)',
      'z.yaml:19:22 records[14].type: unknown record type "WKS"',
      'z.yaml:23:23 pools.web.fallback.pool: fallback loop: web -> b -> web',
      'z.yaml:24:5 pools.web.empty: empty applies only with fallback: none',
      'z.yaml:27:17 pools.web.members[1].name: member name "m1" is already used at line 26',
      'z.yaml:27:30 pools.web.members[1].address: "192.0.2.999" is not an IPv4 or IPv6 address',
      'z.yaml:29:45 pools.c.fallback.pool: no pool named "gone" in this zone',
    ]);
  });

  it('checks CNAME, pool and apex rules in either order', () => {
    const text = `zone: lb.example.test.
soa: { mname: ns1, rname: hostmaster@example.test., serial: 1 }
records:
  - { name: a, type: CNAME, data: x }
  - { name: a, type: CNAME, data: y }
  - { name: b, pool: p }
  - { name: b, type: CNAME, data: x }
  - { name: c, type: A, data: 192.0.2.1 }
  - { name: c, pool: p }
  - { name: d, pool: p }
  - { name: d, pool: p }
  - { name: e, type: CNAME, data: x }
  - { name: e, type: TXT, data: t }
pools:
  p: { algorithm: random, fallback: { pool: p }, members: [{ name: m, address: 192.0.2.1 }] }
`;
    expect(problems(text)).toEqual([
      'z.yaml:1:1 ns: the zone has no NS records at the apex: list its name servers under ns:',
      'z.yaml:2:27 soa.rname: write the mailbox as a name, "@" becomes ".": hostmaster.example.test.',
      'z.yaml:5:22 records[1].type: "a.lb.example.test." already has a CNAME at line 4; a name can have only one',
      'z.yaml:7:22 records[3].type: "b.lb.example.test." has pool "p" at line 6; a CNAME cannot share its name with other data',
      'z.yaml:9:22 records[5].pool: "c.lb.example.test." has static A records (line 8); it cannot also get addresses from pool "p"',
      'z.yaml:11:22 records[7].pool: "d.lb.example.test." already gets its addresses from pool "p" at line 10',
      'z.yaml:13:22 records[9].type: "e.lb.example.test." has CNAME at line 12; a CNAME cannot share its name with other data',
      'z.yaml:15:45 pools.p.fallback.pool: fallback loop: p -> p',
    ]);
  });

  it('still checks a record whose data is bad against its neighbours', () => {
    const text = `${HEAD}records:
  - { name: www, type: A, data: 192.0.2.300 }
  - { name: www, type: CNAME, data: web }
`;
    expect(problems(text)).toEqual([
      'z.yaml:5:33 records[0].data: "192.0.2.300" is not an IPv4 address',
      'z.yaml:6:24 records[1].type: "www.lb.example.test." has A at line 5; a CNAME cannot share its name with other data',
    ]);
  });

  it('reports a bad origin alone, and summarises problems in the error message', () => {
    expect(problems('zone: a..b\nsoa: { mname: ns1, rname: h, serial: 1 }\n')).toEqual(['z.yaml:1:7 zone: empty label in "a..b."']);
    let err: MeridianError | undefined;
    try {
      parseZoneText(`${HEAD}records: [{ name: a, type: A, data: 1 }, { name: b, type: A, data: 2 }]\n`, 'z.yaml');
    } catch (e) {
      err = e as MeridianError;
    }
    expect(err?.code).toBe('MERIDIAN_ERR_ZONE_INVALID');
    expect(err?.message).toBe('z.yaml:4:37 records[0].data: "1" is not an IPv4 address (and 1 more problem)');
  });
});

describe('loadZoneFile', () => {
  it('loads the example zone shipped in zones/', async () => {
    const z = await loadZoneFile('zones/lb.example.test.yaml');
    expect(z.file).toBe('zones/lb.example.test.yaml');
    expect(z.records.map((r) => r.typeName)).toEqual(
      ['SOA', 'NS', 'NS', 'A', 'A', 'MX', 'A', 'AAAA', 'CNAME', 'A', 'TXT', 'TXT', 'CAA', 'CAA', 'SRV', 'PTR', 'NS', 'NS', 'A', 'AAAA'],
    );
    expect(z.pools.map((p) => p.name)).toEqual(['web', 'backup', 'backup-only']);
    expect(z.poolRecords.map((p) => `${p.name} ${p.pool}`)).toEqual(['api.lb.example.test. web', 'status.lb.example.test. backup-only']);
  });

  it('turns a missing file into ZONE_INVALID naming the file', async () => {
    await expect(loadZoneFile('zones/missing.yaml')).rejects.toMatchObject({
      kind: 'ZONE_INVALID',
      problems: [{ file: 'zones/missing.yaml', message: 'cannot read the file (ENOENT)' }],
    });
  });
});

describe('docs/zone-files.md', () => {
  it('shows the errors the loader really prints for its example', () => {
    const doc = readFileSync('docs/zone-files.md', 'utf8');
    const example = /For example, this file:\n\n```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const file = 'zones/shop.example.test.yaml';
    const run = (text: string) => {
      try {
        parseZoneText(text, file);
        return [];
      } catch (e) {
        return (e as MeridianError).problems.map(formatProblem);
      }
    };
    const lines = [...run(example), ...run(example.replace('wieght', 'weight'))];
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(doc).toContain(`\n${line}\n`);
  });
});
