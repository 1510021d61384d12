import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeridianError, type ErrorCode } from '../errors.js';
import { ZoneEditor, nextSerial, zoneTextFromJson } from './zone-edit.js';
import { parseZoneText } from './zone-file.js';

const ORIGINAL = readFileSync(new URL('../../zones/lb.example.test.yaml', import.meta.url), 'utf8');
const NOW = new Date('2026-11-25T10:00:00Z');

/** ORIGINAL with whole lines replaced: each key must be exactly one line of it; [] removes the line. */
function withLines(changes: Record<string, string[]>): string {
  const lines = ORIGINAL.split('\n');
  for (const [old, replacement] of Object.entries(changes)) {
    const at = lines.indexOf(old);
    expect(at, `line ${JSON.stringify(old)}`).toBeGreaterThanOrEqual(0);
    expect(lines.lastIndexOf(old), `line ${JSON.stringify(old)} twice`).toBe(at);
    lines.splice(at, 1, ...replacement);
  }
  return lines.join('\n');
}

/** Lines of the example that carry a comment. */
const COMMENTED = ORIGINAL.split('\n').filter((l) => l.trimStart().startsWith('#') || l.includes(' # '));

/**
 * One edit of the example zone, returned: the result must load and keep every comment of the
 * original but those on the `dropped` lines: comment lines as they were, a comment after a value
 * at the end of some line, with the same blanks before it.
 */
function edited(change: (e: ZoneEditor) => void, dropped: string[] = []): string {
  const e = new ZoneEditor(ORIGINAL);
  change(e);
  const text = e.toString();
  expect(() => parseZoneText(text, 'lb.example.test.yaml')).not.toThrow();
  const lines = text.split('\n');
  for (const l of COMMENTED) {
    if (dropped.includes(l)) continue;
    const tail = l.trimStart().startsWith('#') ? l : /\s+#.*$/.exec(l)![0];
    expect(lines.some((x) => x === l || x.endsWith(tail)), `comment lost: ${l}`).toBe(true);
  }
  expect(e.reformatted).toBe(false);
  return text;
}

function fails(kind: ErrorCode, fn: () => unknown): MeridianError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MeridianError);
    expect((e as MeridianError).kind).toBe(kind);
    return e as MeridianError;
  }
  throw new Error(`expected ${kind}`);
}

const HEAD = `zone: t.test.
soa: { mname: ns1, rname: hostmaster, serial: 7 }
ns: [ns1]
`;

/** Everything of a ZoneDefinition except where it came from. */
function meaning(text: string): unknown {
  return JSON.parse(JSON.stringify(parseZoneText(text), (k, v: unknown) => (k === 'line' || k === 'file' ? undefined : v)));
}

describe('ZoneEditor on the example zone', () => {
  it('reads the origin and the serial, and leaves an unedited text alone', () => {
    const e = new ZoneEditor(ORIGINAL);
    expect(e.origin).toBe('lb.example.test.');
    expect(e.serial()).toBe(2026112501);
    expect(e.toString()).toBe(ORIGINAL);
  });

  it('bumps the serial in place', () => {
    let next = 0;
    const text = edited((e) => (next = e.bumpSerial(NOW)));
    expect(next).toBe(2026112502);
    expect(text).toBe(
      withLines({
        'soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 2026112501,': [
          'soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 2026112502,',
        ],
      }),
    );
  });

  it('finds RRsets by owner name and type', () => {
    const e = new ZoneEditor(ORIGINAL);
    expect(e.findRRset('@', 'TXT')).toEqual([8, 9]);
    expect(e.findRRset('@', 'mx')).toEqual([2]);
    expect(e.findRRset('lb.example.test.', 'CAA')).toEqual([10]);
    expect(e.findRRset('www', 'A')).toEqual([3]);
    expect(e.findRRset('WWW.lb.example.test.', 'aaaa')).toEqual([4]);
    expect(e.findRRset('www', 'TYPE28')).toEqual([4]);
    expect(e.findRRset('*.apps', 'A')).toEqual([6]);
    expect(e.findRRset('10', 'PTR')).toEqual([12]);
    expect(e.findRRset('api', 'POOL')).toEqual([7]);
    expect(e.findRRset('status.lb.example.test.', 'pool')).toEqual([16]);
    expect(e.findRRset('api', 'A')).toEqual([]);
    expect(e.findRRset('nope', 'A')).toEqual([]);
    expect(e.findRRset('www.other.test.', 'A')).toEqual([]);
    fails('REQUEST_INVALID', () => e.findRRset('a..b', 'A'));
  });

  it('adds a record after the last one, as a one-line flow map', () => {
    const text = edited((e) => e.addRecord({ name: 'new', type: 'A', data: '192.0.2.99', ttl: 60 }));
    expect(text).toBe(
      withLines({
        '  - { name: status, pool: backup-only }': [
          '  - { name: status, pool: backup-only }',
          '  - { name: new, type: A, data: 192.0.2.99, ttl: 60 }',
        ],
      }),
    );
  });

  it('quotes what YAML needs quoted, and writes name first', () => {
    const text = edited((e) => {
      e.addRecord({ type: 'TXT', name: '@', data: ['"a b" "c"', 'x: y'] });
      e.addRecord({ name: '*.web', type: 'AAAA', data: '2001:db8::20' });
    });
    expect(text).toContain(`  - { name: "@", type: TXT, data: ['"a b" "c"', "x: y"] }\n  - { name: "*.web", type: AAAA, data: "2001:db8::20" }\npools:\n`);
  });

  it('replaces an RRset where it was, keeping the comment on its first line', () => {
    let existed = false;
    const text = edited((e) => {
      existed = e.replaceRRset('www', 'A', [{ data: '192.0.2.11', ttl: 30 }, { data: '192.0.2.12', ttl: 30 }]);
      e.replaceRRset('child', 'NS', [{ data: ['ns1.child', 'ns3.child'], ttl: 3600 }]);
      e.replaceRRset('api', 'POOL', [{ pool: 'backup' }]);
    });
    expect(existed).toBe(true);
    expect(text).toBe(
      withLines({
        '  - { name: www, type: A, data: 192.0.2.10, ttl: 30 }': [
          '  - { name: www, type: A, data: 192.0.2.11, ttl: 30 }',
          '  - { name: www, type: A, data: 192.0.2.12, ttl: 30 }',
        ],
        '  - { name: child, type: NS, data: [ns1.child, ns2.child], ttl: 86400 }   # delegation': [
          '  - { name: child, type: NS, data: [ns1.child, ns3.child], ttl: 3600 }   # delegation',
        ],
        '  - { name: api, pool: web }            # A and AAAA for api come from pool "web"': [
          '  - { name: api, pool: backup }            # A and AAAA for api come from pool "web"',
        ],
      }),
    );
  });

  it('replaces a spread-out RRset with one entry at the first one’s place', () => {
    const second = `  - { name: "@", type: TXT, data: '"google-site-verification=abc123" "second string"' }`;
    const text = edited((e) => expect(e.replaceRRset('@', 'txt', [{ data: 'v=spf1 -all' }])).toBe(true), [second]);
    expect(text).toBe(
      withLines({
        '  - { name: "@", type: TXT, data: "v=spf1 mx -all" }': ['  - { name: "@", type: txt, data: "v=spf1 -all" }'],
        [second]: [],
      }),
    );
  });

  it('creates an RRset that did not exist at the end', () => {
    const text = edited((e) => expect(e.replaceRRset('mail', 'A', [{ data: '192.0.2.25' }])).toBe(false));
    expect(text).toBe(
      withLines({
        '  - { name: status, pool: backup-only }': ['  - { name: status, pool: backup-only }', '  - { name: mail, type: A, data: 192.0.2.25 }'],
      }),
    );
  });

  it('deletes the only RRset at a name, and an RRset with its comment', () => {
    const glue = '  - { name: ns2.child, type: AAAA, data: "2001:db8:81::2" }               # glue';
    const text = edited((e) => {
      e.deleteRRset('docs', 'CNAME');
      e.deleteRRset('ns2.child.lb.example.test.', 'AAAA');
    }, [glue]);
    expect(text).toBe(withLines({ '  - { name: docs, type: CNAME, data: www }': [], [glue]: [] }));
    expect(parseZoneText(text).records.some((r) => r.name.startsWith('docs.'))).toBe(false);
    fails('NOT_FOUND', () => new ZoneEditor(ORIGINAL).deleteRRset('docs', 'A'));
  });

  it('adds a member in the style of the others', () => {
    const text = edited((e) => e.addMember('web', { name: 'ams-1', address: '192.0.2.7', weight: 2, site: 'ams' }));
    expect(text).toBe(
      withLines({
        '      - { name: iad-1, address: 203.0.113.10, weight: 1, site: iad, enabled: false }': [
          '      - { name: iad-1, address: 203.0.113.10, weight: 1, site: iad, enabled: false }',
          '      - { name: ams-1, address: 192.0.2.7, weight: 2, site: ams }',
        ],
      }),
    );
  });

  it('refuses members that exist, and pools or members that do not', () => {
    const e = new ZoneEditor(ORIGINAL);
    expect(fails('ALREADY_EXISTS', () => e.addMember('web', { name: 'fra-1', address: '192.0.2.1' })).message).toBe(
      'pool "web" already has a member "fra-1"',
    );
    expect(fails('NOT_FOUND', () => e.addMember('nope', { name: 'x', address: '192.0.2.1' })).message).toBe(
      'no pool "nope" in zone lb.example.test.',
    );
    expect(fails('NOT_FOUND', () => e.patchMember('web', 'nope', { weight: 1 })).message).toBe('pool "web" has no member "nope"');
    fails('NOT_FOUND', () => e.patchMember('nope', 'fra-1', { weight: 1 }));
    fails('NOT_FOUND', () => e.deleteMember('web', 'sin-1'));
    fails('NOT_FOUND', () => e.setDrained('backup', 'fra-1', true));
    fails('NOT_FOUND', () => e.member('web', 'FRA-1'));
    fails('REQUEST_INVALID', () => e.patchMember('web', 'fra-1', { name: 'fra-9' }));
    expect(e.toString()).toBe(ORIGINAL);
  });

  it('patches a member: changes in place, null deletes, new keys last, comments stay', () => {
    const text = edited((e) => {
      e.patchMember('web', 'fra-1', { name: 'fra-1', weight: 5, site: null, 'check-address': '10.0.0.10' });
      e.patchMember('web', 'iad-1', { enabled: false, weight: 1 });
      e.patchMember('web', 'fra-2', { address: '2001:db8:1::10' }); // as written: stays quoted
    });
    expect(text).toBe(
      withLines({
        '      - { name: fra-1, address: 198.51.100.10, weight: 3, site: fra }   # weight default 1, enabled default true': [
          '      - { name: fra-1, address: 198.51.100.10, weight: 5, check-address: 10.0.0.10 }   # weight default 1, enabled default true',
        ],
      }),
    );
    expect(new ZoneEditor(text).member('web', 'fra-1')).toEqual({ name: 'fra-1', address: '198.51.100.10', weight: 5, 'check-address': '10.0.0.10' });
  });

  it('merges a patch into a member’s health map', () => {
    const e = new ZoneEditor(ORIGINAL);
    e.patchMember('web', 'fra-2', { health: { port: 8080, kind: null } });
    e.patchMember('web', 'fra-2', { health: { path: '/up' } });
    expect(e.toString()).toContain('      - { name: fra-2, address: "2001:db8:1::10", weight: 3, site: fra, health: { port: 8080, path: /up } }\n');
  });

  it('deletes a member with its comment', () => {
    const fra1 = '      - { name: fra-1, address: 198.51.100.10, weight: 3, site: fra }   # weight default 1, enabled default true';
    const text = edited((e) => e.deleteMember('web', 'fra-1'), [fra1]);
    expect(text).toBe(withLines({ [fra1]: [] }));
  });

  it('drains and undrains a member, back to the very same bytes', () => {
    const e = new ZoneEditor(ORIGINAL);
    e.setDrained('web', 'fra-1', true);
    expect(e.toString()).toBe(
      withLines({
        '      - { name: fra-1, address: 198.51.100.10, weight: 3, site: fra }   # weight default 1, enabled default true': [
          '      - { name: fra-1, address: 198.51.100.10, weight: 3, site: fra, drained: true }   # weight default 1, enabled default true',
        ],
      }),
    );
    expect(parseZoneText(e.toString()).pools.find((p) => p.name === 'web')?.members[0].drained).toBe(true);
    expect(e.member('web', 'fra-1').drained).toBe(true);
    e.setDrained('web', 'fra-1', true);
    e.setDrained('web', 'fra-1', false);
    expect(e.toString()).toBe(ORIGINAL);
    e.setDrained('web', 'fra-1', false);
    expect(e.toString()).toBe(ORIGINAL);
  });

  it('gives the zone as JSON, converted as the loader converts it', () => {
    const doc = new ZoneEditor(ORIGINAL).toJSON() as Record<string, any>;
    expect(doc.soa).toEqual({ mname: 'ns1.lb.example.test.', rname: 'hostmaster.example.test.', serial: 2026112501, refresh: 3600, retry: 600, expire: 604800, minimum: 60 });
    expect(doc.records[12]).toEqual({ name: '10', type: 'PTR', data: 'www' });
    expect(doc.pools.web.members[2]).toEqual({ name: 'iad-1', address: '203.0.113.10', weight: 1, site: 'iad', enabled: false });
    expect(Object.keys(doc)).toEqual(['zone', 'ttl', 'soa', 'ns', 'records', 'pools']);
    // a text the schema refuses comes back as written
    expect(new ZoneEditor(`${HEAD}ttl: soon\n`).toJSON()).toMatchObject({ ttl: 'soon', soa: { serial: '7' } });
  });

  it('writes a new zone text from its JSON that means the same zone', () => {
    const text = zoneTextFromJson(new ZoneEditor(ORIGINAL).toJSON());
    expect(meaning(text)).toEqual(meaning(ORIGINAL));
    expect(text.split('\n').slice(0, 9)).toEqual([
      '# Written by the Meridian admin API. Reference: docs/zone-files.md',
      'zone: lb.example.test.',
      'ttl: 300',
      'soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 2026112501,',
      '       refresh: 3600, retry: 600, expire: 604800, minimum: 60 }',
      'ns: [ns1.lb.example.test., ns2.lb.example.test.]',
      'records:',
      '  - { name: ns1, type: A, data: 192.0.2.53 }',
      '  - { name: ns2, type: A, data: 192.0.2.54 }',
    ]);
    expect(text).toContain(`  - { name: "@", type: CAA, data: ['0 issue "letsencrypt.org"', '0 iodef "mailto:hostmaster@example.test"'] }\n`);
    expect(text).toContain('  - { name: 10, type: PTR, data: www }\n');
  });
});

describe('ZoneEditor on other layouts', () => {
  it('bumps serials: RFC 1982 +1, date serials to today', () => {
    const table: Array<[number, number]> = [
      [1, 2],
      [7, 8],
      [4294967295, 1],
      [2026112501, 2026112502],
      [2026112599, 2026112600],
      [2026010100, 2026112500],
      [2099123199, 2099123200],
    ];
    for (const [from, to] of table) {
      const e = new ZoneEditor(HEAD.replace('serial: 7', `serial: ${from}`));
      expect(e.bumpSerial(NOW), `${from}`).toBe(to);
      expect(e.serial()).toBe(to);
      expect(e.toString()).toBe(HEAD.replace('serial: 7', `serial: ${to}`));
    }
    expect(nextSerial(2026112501, new Date('2026-11-25T23:59:59Z'))).toBe(2026112502);
    expect(nextSerial(2026112501, new Date('2026-11-26T00:00:00Z'))).toBe(2026112600);
    const quoted = new ZoneEditor(HEAD.replace('serial: 7', 'serial: "41"'));
    quoted.bumpSerial(NOW);
    expect(quoted.toString()).toContain('serial: 42 }');
    fails('ZONE_INVALID', () => new ZoneEditor(HEAD.replace('serial: 7', 'serial: x')).bumpSerial(NOW));
  });

  it('refuses texts that cannot be edited', () => {
    const bad = fails('ZONE_INVALID', () => new ZoneEditor('zone: [a\n'));
    expect(bad.problems[0]).toMatchObject({ line: 2 });
    fails('ZONE_INVALID', () => new ZoneEditor('- a\n'));
    expect(fails('ZONE_INVALID', () => new ZoneEditor('ttl: 3\n')).message).toBe('1:1 zone: missing (required)');
    fails('ZONE_INVALID', () => new ZoneEditor('zone: a..b\n'));
  });

  it('creates records: after ns:, or fills records: [], and empties a list to []', () => {
    const e = new ZoneEditor(`${HEAD}pools: {}\n`);
    e.addRecord({ name: 'ns1', type: 'A', data: '192.0.2.1' });
    expect(e.toString()).toBe(`${HEAD}records:\n  - { name: ns1, type: A, data: 192.0.2.1 }\npools: {}\n`);
    e.deleteRRset('ns1', 'A');
    expect(e.toString()).toBe(`${HEAD}records: []\npools: {}\n`);
    e.addRecord({ name: 'ns1', type: 'A', data: '192.0.2.1' });
    expect(e.toString()).toBe(`${HEAD}records:\n  - { name: ns1, type: A, data: 192.0.2.1 }\npools: {}\n`);
    const commented = new ZoneEditor(`${HEAD}records: []   # none yet\n`);
    commented.addRecord({ name: 'ns1', type: 'A', data: '192.0.2.1' });
    expect(commented.toString()).toBe(`${HEAD}records:   # none yet\n  - { name: ns1, type: A, data: 192.0.2.1 }\n`);
    expect(commented.reformatted).toBe(false);
  });

  it('edits block-style members and flow lists in their own style', () => {
    const text = `${HEAD}records: [{ name: ns1, type: A, data: 192.0.2.1 }]
pools:
  web:
    algorithm: round-robin
    members:
      # the first one
      - name: a
        address: 192.0.2.10   # a's address
        weight: 2
      - name: b
        address: 192.0.2.11
`;
    const e = new ZoneEditor(text);
    e.addRecord({ name: 'www', type: 'A', data: '192.0.2.2' });
    e.addMember('web', { name: 'c', address: '192.0.2.12', health: { port: 81 } });
    e.patchMember('web', 'a', { weight: null, site: 'fra' });
    e.setDrained('web', 'b', true);
    expect(e.toString()).toBe(`${HEAD}records: [{ name: ns1, type: A, data: 192.0.2.1 }, { name: www, type: A, data: 192.0.2.2 }]
pools:
  web:
    algorithm: round-robin
    members:
      # the first one
      - name: a
        address: 192.0.2.10   # a's address
        site: fra
      - name: b
        address: 192.0.2.11
        drained: true
      - name: c
        address: 192.0.2.12
        health: { port: 81 }
`);
    e.setDrained('web', 'b', false);
    e.deleteMember('web', 'c');
    e.deleteMember('web', 'a');
    expect(e.toString()).toBe(`${HEAD}records: [{ name: ns1, type: A, data: 192.0.2.1 }, { name: www, type: A, data: 192.0.2.2 }]
pools:
  web:
    algorithm: round-robin
    members:
      # the first one
      - name: b
        address: 192.0.2.11
`);
    e.patchMember('web', 'b', { address: '192.0.2.99' });
    expect(e.reformatted).toBe(false);
    expect(() => parseZoneText(e.toString())).not.toThrow();
  });

  it('edits flow lists and block maps inside entries, line endings kept', () => {
    const text = `${HEAD}records: [ { name: a, type: A, data: 192.0.2.1 }, { name: b, type: A, data: 192.0.2.2 },
  { name: c, type: A, data: 192.0.2.3 } ]
pools:
  web:
    algorithm: round-robin
    members:
      - site: x
        name: m1
        address: 192.0.2.9
        health:   # m1's checks
          port: 80   # the port
`;
    const e = new ZoneEditor(text);
    e.deleteRRset('b', 'A');
    e.deleteRRset('a', 'A');
    e.replaceRRset('c', 'A', [{ data: '192.0.2.4' }, { data: '192.0.2.5' }]);
    e.patchMember('web', 'm1', { site: null, health: { port: null } });
    expect(e.toString()).toBe(`${HEAD}records: [ { name: c, type: A, data: 192.0.2.4 }, { name: c, type: A, data: 192.0.2.5 } ]
pools:
  web:
    algorithm: round-robin
    members:
      - name: m1
        address: 192.0.2.9
        health: {}   # m1's checks
`);
    const block = new ZoneEditor(text);
    block.patchMember('web', 'm1', { health: 'x' });
    expect(block.toString()).toContain('        address: 192.0.2.9\n        health: x   # m1\'s checks\n');
    const crlf = new ZoneEditor(`${HEAD}records:\n  - { name: ns1, type: A, data: 192.0.2.1 }`.replace(/\n/g, '\r\n'));
    crlf.addRecord({ name: 'www', type: 'A', data: '192.0.2.2' });
    expect(crlf.toString()).toBe(`${HEAD}records:\n  - { name: ns1, type: A, data: 192.0.2.1 }\n  - { name: www, type: A, data: 192.0.2.2 }\n`.replace(/\n/g, '\r\n'));
    for (const ed of [e, block, crlf]) expect(ed.reformatted).toBe(false);
  });

  it('edits a pool written as one flow map', () => {
    const e = new ZoneEditor(`${HEAD}pools:\n  web: { algorithm: round-robin, members: [{ name: a, address: 192.0.2.1 }] }   # flow\n`);
    e.addMember('web', { name: 'b', address: '192.0.2.2' });
    e.setDrained('web', 'a', true);
    e.patchMember('web', 'b', { health: { port: 81 } });
    expect(e.toString()).toBe(
      `${HEAD}pools:\n  web: { algorithm: round-robin, members: [{ name: a, address: 192.0.2.1, drained: true }, { name: b, address: 192.0.2.2, health: { port: 81 } }] }   # flow\n`,
    );
    e.deleteMember('web', 'a');
    e.patchMember('web', 'b', { health: null });
    expect(e.toString()).toBe(`${HEAD}pools:\n  web: { algorithm: round-robin, members: [{ name: b, address: 192.0.2.2 }] }   # flow\n`);
    expect(e.reformatted).toBe(false);
  });

  it('falls back to re-writing the text for layouts it cannot splice, data intact', () => {
    const text = `${HEAD}pools:
  web:
    algorithm: round-robin   # comment
    members:
      - { name: a, address: 192.0.2.10 }
      - name: b
        address: |-
          192.0.2.11
`;
    const e = new ZoneEditor(text);
    e.setDrained('web', 'a', true);
    expect(e.reformatted).toBe(false);
    e.setDrained('web', 'b', true);
    expect(e.reformatted).toBe(true);
    expect(e.toString()).toContain('algorithm: round-robin # comment\n');
    expect(e.member('web', 'a')).toEqual({ name: 'a', address: '192.0.2.10', drained: true });
    expect(e.member('web', 'b')).toEqual({ name: 'b', address: '192.0.2.11', drained: true });
  });

  it('writes a readable new zone from JSON', () => {
    const text = zoneTextFromJson({
      zone: 'geo.test.',
      soa: { mname: 'ns1', rname: 'hostmaster', serial: 1 },
      ns: ['ns1'],
      records: [],
      geoip: { database: 'GeoLite2-City.mmdb', 'default-site': 'fra' },
      sites: { fra: { lat: 50.11, lon: 8.68, countries: ['DE'] } },
      pools: {
        web: {
          algorithm: 'round-robin',
          geo: 'nearest',
          health: { kind: 'http', expect: { status: [200, 204], body: 'ok' }, host: null },
          members: [{ name: 'fra-1', address: '198.51.100.10', site: 'fra', enabled: false }],
        },
      },
    });
    expect(text).toBe(`# Written by the Meridian admin API. Reference: docs/zone-files.md
zone: geo.test.
soa: { mname: ns1, rname: hostmaster, serial: 1 }
ns: [ns1]
records: []
geoip: { database: GeoLite2-City.mmdb, default-site: fra }
sites:
  fra: { lat: 50.11, lon: 8.68, countries: [DE] }
pools:
  web:
    algorithm: round-robin
    geo: nearest
    health:
      kind: http
      expect: { status: [200, 204], body: ok }
    members:
      - { name: fra-1, address: 198.51.100.10, site: fra, enabled: false }
`);
    expect(parseZoneText(text).pools[0].members[0].enabled).toBe(false);
    fails('REQUEST_INVALID', () => zoneTextFromJson([1]));
    expect(zoneTextFromJson({ zone: 'x', ttl: '' , records: [{ name: 'a', type: 'TXT', data: 'tab\there' }] })).toContain(
      'ttl: ""\nrecords:\n  - { name: a, type: TXT, data: "tab\\there" }\n',
    );
  });
});
