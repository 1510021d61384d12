import { describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import { parseMasterFile, parseTtl, tokenize, type MasterFile } from './masterfile.js';

/** Tokens of each entry, quoted ones shown with their quotes. */
const words = (text: string) =>
  tokenize(text).map((e) => e.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)));

/** Records as `dig` would print them. */
const rrs = (mf: MasterFile) => mf.records.map((r) => `${r.owner} ${r.ttl} IN ${r.type} ${r.data}`);

const parse = (text: string, origin = 'example.test.') => parseMasterFile(text, { origin, file: 't.zone' });

function errorOf(fn: () => unknown): MeridianError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeridianError) return err;
    throw err;
  }
  throw new Error('expected a MeridianError');
}

describe('tokenize', () => {
  it('joins lines inside parentheses and drops comments there, even ones holding ")"', () => {
    const text = '@ SOA ns1 host (   ; open\n  1 ; serial ) not closed\n  2 3 4\n  5 )  ; done\nwww A 192.0.2.1\n';
    expect(words(text)).toEqual([
      ['@', 'SOA', 'ns1', 'host', '1', '2', '3', '4', '5'],
      ['www', 'A', '192.0.2.1'],
    ]);
    expect(tokenize(text).map((e) => e.line)).toEqual([1, 5]);
  });

  it('keeps semicolons and escaped quotes inside quoted strings', () => {
    expect(words('t TXT "a;b" "say \\"hi\\"" ; real comment\n')).toEqual([['t', 'TXT', '"a;b"', '"say \\"hi\\""']]);
  });

  it('keeps escaped blanks and specials inside unquoted tokens', () => {
    expect(words('a\\ b\\;c TXT x\\(y\n')).toEqual([['a\\ b\\;c', 'TXT', 'x\\(y']]);
  });

  it('marks entries that start with blank space as owner-omitted and skips blank lines', () => {
    const entries = tokenize('a A 192.0.2.1\n\n   ; only a comment\n\tAAAA ::1\n');
    expect(entries.map((e) => [e.line, e.ownerOmitted])).toEqual([
      [1, false],
      [4, true],
    ]);
  });

  it('reports column numbers', () => {
    const [e] = tokenize('www  IN A 192.0.2.1');
    expect(e.tokens.map((t) => t.column)).toEqual([1, 6, 9, 11]);
  });

  it.each([
    ['a TXT "open\n', 1, 'quoted string runs past the end of the line'],
    ['a TXT "open', 1, 'unterminated quoted string'],
    ['a SOA (\n1 2\n', 1, '"(" is never closed'],
    ['a A 192.0.2.1\nb A 192.0.2.2 )\n', 2, '")" without a matching "("'],
  ])('rejects %j at line %i', (text, line, message) => {
    const err = errorOf(() => tokenize(text, 'x.zone'));
    expect(err.kind).toBe('MASTERFILE_INVALID');
    expect(err.problems[0]).toMatchObject({ file: 'x.zone', line, message });
  });
});

describe('parseTtl', () => {
  it.each([
    ['3600', 3600],
    ['1h30m', 5400],
    ['1d', 86400],
    ['1W', 604800],
    ['2d12h', 216000],
    ['1h1h', 7200],
    ['0', 0],
  ])('%s = %i seconds', (text, secs) => expect(parseTtl(text)).toBe(secs));

  it.each(['1x', 'h', '1h30', '-5', ''])('%j is not a TTL', (text) => expect(parseTtl(text)).toBeUndefined());
});

describe('parseMasterFile', () => {
  it('fills in omitted owner, TTL and class; TTL and class in either order', () => {
    const mf = parse(
      ['$TTL 300', 'www 30 IN A 192.0.2.1', '    IN 60 A 192.0.2.2', '    A 192.0.2.3', 'mail MX 10 www', '  in aaaa 2001:DB8::1'].join('\n'),
    );
    expect(rrs(mf)).toEqual([
      'www.example.test. 30 IN A 192.0.2.1',
      'www.example.test. 60 IN A 192.0.2.2',
      'www.example.test. 300 IN A 192.0.2.3',
      'mail.example.test. 300 IN MX 10 www.example.test.',
      'mail.example.test. 300 IN AAAA 2001:db8::1',
    ]);
  });

  it('without $TTL, an omitted TTL is the last explicit one (RFC 1035)', () => {
    const mf = parse('a 120 A 192.0.2.1\nb A 192.0.2.2\nc 7 A 192.0.2.3\nd A 192.0.2.4\n');
    expect(mf.records.map((r) => r.ttl)).toEqual([120, 120, 7, 7]);
  });

  it('$TTL beats the last explicit TTL (RFC 2308), and may change mid-file', () => {
    const mf = parse('$TTL 1h\na 120 A 192.0.2.1\nb A 192.0.2.2\n$TTL 2m\nc A 192.0.2.3\n');
    expect(mf.records.map((r) => r.ttl)).toEqual([120, 3600, 120]);
    expect(mf.ttlDirective).toBe(3600);
  });

  it('an SOA without any TTL uses its minimum, with a warning, as BIND does', () => {
    const mf = parse('@ SOA ns1 host 1 2 3 4 1h\n NS ns1\n');
    expect(mf.records.map((r) => r.ttl)).toEqual([3600, 3600]);
    expect(mf.warnings).toEqual([{ file: 't.zone', line: 1, message: 'no TTL and no $TTL: using the SOA minimum (3600) as BIND does' }]);
  });

  it('follows $ORIGIN changes, relative $ORIGIN included', () => {
    const text = '$TTL 60\n@ NS ns\n$ORIGIN sub\n@ A 192.0.2.1\nx CNAME @\n$ORIGIN other.test.\ny PTR z\n';
    expect(rrs(parse(text))).toEqual([
      'example.test. 60 IN NS ns.example.test.',
      'sub.example.test. 60 IN A 192.0.2.1',
      'x.sub.example.test. 60 IN CNAME sub.example.test.',
      'y.other.test. 60 IN PTR z.other.test.',
    ]);
  });

  it('takes the origin from an absolute SOA owner when none is given', () => {
    const mf = parseMasterFile('Zone.Test. 60 SOA ns1 host 1 1h 10m 1w 1m\nwww A 192.0.2.1\n');
    expect(rrs(mf)).toEqual([
      'Zone.Test. 60 IN SOA ns1.Zone.Test. host.Zone.Test. 1 3600 600 604800 60',
      'www.Zone.Test. 60 IN A 192.0.2.1',
    ]);
    expect(mf.records[0].soa).toEqual({
      mname: 'ns1.Zone.Test.', rname: 'host.Zone.Test.', serial: 1, refresh: 3600, retry: 600, expire: 604800, minimum: 60,
    });
  });

  it('writes TXT and CAA strings in canonical quoted form', () => {
    const mf = parse('$TTL 60\nt TXT plain "a;b" "q\\"q" "\\065\\\\" "tab\\009"\nc CAA 0 issue letsencrypt.org\n');
    expect(mf.records.map((r) => r.data)).toEqual(['"plain" "a;b" "q\\"q" "A\\\\" "tab\\009"', '0 issue "letsencrypt.org"']);
  });

  it('keeps types Meridian does not serve, flagged unsupported', () => {
    const mf = parse('$TTL 60\n@ DNSKEY 257 3 13 ( AAAA\n BBBB )\nx TYPE65534 \\# 0\n');
    expect(mf.records.map((r) => [r.type, r.supported, r.data])).toEqual([
      ['DNSKEY', false, '257 3 13 AAAA BBBB'],
      ['TYPE65534', false, '\\# 0'],
    ]);
  });

  it.each([
    ['$INCLUDE other.zone', 2, 1, '$INCLUDE is not supported: flatten the zone first (e.g. named-compilezone -o flat.zone ZONE FILE)'],
    ['www CH A 192.0.2.1', 2, 5, 'class CH is not supported (only IN)'],
    ['www A 192.0.2.300', 2, 7, '"192.0.2.300" is not an IPv4 address'],
    ['www FOO bar', 2, 5, 'unknown type "FOO"'],
    ['www TYPE1 \\# 4 C0000201', 2, 5, 'generic type TYPE1 is not supported: write it with its mnemonic'],
    ['www A \\# 4 C0000201', 2, 7, 'generic RDATA (\\#) is not supported for A: write the data in its usual form'],
    ['www MX 10', 2, 5, 'MX needs 2 fields, found 1'],
    ['www MX 70000 mail', 2, 8, 'bad preference "70000" (0-65535)'],
    ['www 1x A 192.0.2.1', 2, 5, 'bad TTL "1x" (use seconds or units like 1h30m, 1d, 1w)'],
    ['$GENERATE 1-3 h$ A 192.0.2.$', 2, 1, 'unknown or unsupported directive $GENERATE'],
  ])('rejects %j with its line and column', (line2, line, column, message) => {
    const err = errorOf(() => parse(`$TTL 60\n${line2}\n`));
    expect(err.code).toBe('MERIDIAN_ERR_MASTERFILE_INVALID');
    expect(err.problems).toEqual([{ file: 't.zone', line, column, message }]);
    expect(err.message).toBe(`t.zone:${line}:${column} ${message}`);
  });

  it('names the exact line of a bad record deep in a file', () => {
    const lines = ['$TTL 60', '@ SOA ns1 host (', ' 1 2 3 4 5 )', ' NS ns1', '', '; comment', 'ns1 A 192.0.2.1', 'bad AAAA 192.0.2.2'];
    const err = errorOf(() => parse(lines.join('\n')));
    expect(err.message).toBe('t.zone:8:10 "192.0.2.2" is not an IPv6 address');
  });

  it('rejects relative names when no origin is known, and an owner-less first record', () => {
    expect(errorOf(() => parseMasterFile('$TTL 60\nwww A 192.0.2.1\n')).problems[0].message).toBe(
      'relative owner name "www" but no origin is known: add $ORIGIN or pass --origin',
    );
    expect(errorOf(() => parse('  A 192.0.2.1\n')).problems[0].message).toBe(
      'no owner name, and no earlier record to take it from',
    );
  });
});
