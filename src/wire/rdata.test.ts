import { describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import { decodeRdata, encodeRdata } from './rdata.js';
import { classCode, className, typeCode, typeName } from './types.js';

const ORIGIN = 'lb.example.test.';

describe('type and class tables', () => {
  it('maps mnemonics and generic forms both ways', () => {
    expect([typeCode('A'), typeCode('aaaa'), typeCode('CAA'), typeCode('ANY'), typeCode('OPT')]).toEqual([1, 28, 257, 255, 41]);
    expect([typeCode('TYPE123'), typeCode('type65535'), typeCode('TYPE65536'), typeCode('BOGUS')]).toEqual([123, 65535, undefined, undefined]);
    expect([typeName(16), typeName(33), typeName(123)]).toEqual(['TXT', 'SRV', 'TYPE123']);
    expect([classCode('in'), classCode('CLASS3'), className(1), className(9)]).toEqual([1, 3, 'IN', 'CLASS9']);
  });
});

// [type, data as written in a zone file, canonical text]
const TABLE: Array<[string, string, string]> = [
  ['A', '192.0.2.10', '192.0.2.10'],
  ['AAAA', '2001:DB8:0:0:0:0:0:10', '2001:db8::10'],
  ['AAAA', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['AAAA', '2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
  ['AAAA', '::', '::'],
  ['AAAA', '::1', '::1'],
  ['AAAA', 'fe80::', 'fe80::'],
  ['AAAA', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
  ['AAAA', '2001:db8::0:1', '2001:db8::1'],
  ['AAAA', '::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ['NS', 'ns1', 'ns1.lb.example.test.'],
  ['CNAME', 'www', 'www.lb.example.test.'],
  ['CNAME', 'Target.Example.Test.', 'Target.Example.Test.'],
  ['PTR', '@', 'lb.example.test.'],
  ['MX', '10 mail.example.test.', '10 mail.example.test.'],
  ['MX', '0 .', '0 .'],
  ['TXT', 'v=spf1 -all', '"v=spf1 -all"'],
  ['TXT', '"a" "b"', '"a" "b"'],
  ['TXT', '"say \\"hi\\"" back\\\\slash', '"say \\"hi\\"" "back\\\\slash"'],
  ['TXT', '"tab\\009x" "\\065"', '"tab\\009x" "A"'],
  ['TXT', 'caf\u00e9', '"caf\\195\\169"'],
  ['TXT', '""', '""'],
  ['TXT', '', '""'],
  ['SRV', '0 5 443 t', '0 5 443 t.lb.example.test.'],
  ['CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'],
  ['CAA', '128 iodef mailto:sec@example.test', '128 iodef "mailto:sec@example.test"'],
  ['CAA', '0 issue ";"', '0 issue ";"'],
  ['CAA', '0 issue ""', '0 issue ""'],
  ['SOA', 'ns1 hostmaster.example.test. 2026112501 3600 600 604800 60', 'ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60'],
  ['HINFO', '"Generic PC" linux', '"Generic PC" "linux"'],
  ['TYPE123', '\\# 3 abcdef', '\\# 3 ABCDEF'],
  ['TYPE65280', '\\# 0', '\\# 0'],
  ['DS', '\\# 4 0001 0203', '\\# 4 00010203'],
  ['A', '\\# 4 C0000201', '192.0.2.1'],
  ['MX', '\\# 3 000a00', '10 .'],
];

describe('encodeRdata / decodeRdata round trip', () => {
  it.each(TABLE)('%s %s', (type, data, text) => {
    const enc = encodeRdata(type, data, ORIGIN);
    expect(enc.text).toBe(text);
    expect(decodeRdata(typeCode(type)!, enc.rdata)).toBe(text);
    // the canonical text reads back to the same bytes
    expect(encodeRdata(type, text, ORIGIN).rdata.equals(enc.rdata)).toBe(true);
  });
});

const hex = (type: string, data: string) => encodeRdata(type, data, ORIGIN).rdata.toString('hex');

describe('exact wire bytes', () => {
  it('encodes fixed-layout types', () => {
    expect(hex('A', '192.0.2.53')).toBe('c0000235');
    expect(hex('AAAA', '2001:db8::10')).toBe('20010db8000000000000000000000010');
    expect(hex('MX', '10 mail.example.test.')).toBe('000a' + '046d61696c' + '076578616d706c65' + '0474657374' + '00');
    expect(hex('SRV', '1 5 443 t.')).toBe('0001' + '0005' + '01bb' + '017400');
    expect(hex('TXT', '"a" "bc"')).toBe('0161' + '026263');
    expect(hex('CAA', '0 issue "ca.test"')).toBe('00' + '05' + '6973737565' + '63612e74657374');
    expect(hex('SOA', 'a. b. 1 2 3 4 5')).toBe('016100' + '016200' + '00000001' + '00000002' + '00000003' + '00000004' + '00000005');
    expect(hex('NS', 'NS1')).toBe('034e5331' + '026c62' + '076578616d706c65' + '0474657374' + '00');
  });

  it('returns targets for name-bearing types only', () => {
    expect(encodeRdata('MX', '10 mail', ORIGIN).target).toBe('mail.lb.example.test.');
    expect(encodeRdata('SRV', '0 0 0 .', ORIGIN).target).toBeUndefined();
    expect(encodeRdata('CNAME', 'www', ORIGIN).target).toBe('www.lb.example.test.');
    expect(encodeRdata('A', '192.0.2.1', ORIGIN).target).toBeUndefined();
  });
});

describe('TXT splitting', () => {
  it('splits a 300-byte bare value into 255 + 45', () => {
    const enc = encodeRdata('TXT', 'x'.repeat(300), ORIGIN);
    expect(enc.rdata.length).toBe(302);
    expect(enc.rdata[0]).toBe(255);
    expect(enc.rdata[256]).toBe(45);
    expect(enc.text).toBe(`"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
  });

  it('splits a long quoted string the same way and keeps short ones', () => {
    const enc = encodeRdata('TXT', `"${'y'.repeat(256)}" "z"`, ORIGIN);
    expect(enc.text).toBe(`"${'y'.repeat(255)}" "y" "z"`);
  });

  it('takes a bare value literally, backslashes and quotes included', () => {
    expect(encodeRdata('TXT', 'a\\065 "b"', ORIGIN).text).toBe('"a\\\\065 \\"b\\""');
  });
});

const BAD: Array<[string, string, string]> = [
  ['A', '192.0.2.300', '"192.0.2.300" is not an IPv4 address'],
  ['A', '192.0.2', '"192.0.2" is not an IPv4 address'],
  ['A', '192.0.2.010', '"192.0.2.010" is not an IPv4 address'],
  ['A', '2001:db8::1', '"2001:db8::1" is not an IPv4 address'],
  ['AAAA', '192.0.2.1', '"192.0.2.1" is not an IPv6 address'],
  ['AAAA', '2001:db8::1::2', '"2001:db8::1::2" is not an IPv6 address'],
  ['AAAA', '1:2:3:4:5:6:7:8:9', '"1:2:3:4:5:6:7:8:9" is not an IPv6 address'],
  ['AAAA', '1:2:3:4:5:6:7', '"1:2:3:4:5:6:7" is not an IPv6 address'],
  ['AAAA', '2001:db8::g', '"2001:db8::g" is not an IPv6 address'],
  ['AAAA', 'fe80::1%eth0', '"fe80::1%eth0" is not an IPv6 address'],
  ['MX', 'mail.example.test.', 'MX needs 2 fields (preference exchange), got 1: "mail.example.test."'],
  ['MX', '65536 mail.', 'MX preference 65536 is out of range (0..65535)'],
  ['MX', 'ten mail.', 'MX preference "ten" is not a number'],
  ['SRV', '0 5 t.', 'SRV needs 4 fields (priority weight port target), got 3: "0 5 t."'],
  ['CNAME', 'a..b', 'empty label in "a..b"'],
  ['CNAME', 'a b', 'CNAME needs 1 fields (target), got 2: "a b"'],
  ['TXT', '"unterminated', 'missing closing quote in "\\"unterminated"'],
  ['TXT', '"\\256"', 'bad escape \\256 (must be \\000 to \\255)'],
  ['TXT', '"\\65"', 'bad escape \\65" (use three digits, e.g. \\009)'],
  ['CAA', '0 issue', 'CAA needs flags, tag and value (e.g. 0 issue "ca.example"), got "0 issue"'],
  ['CAA', '256 issue "x"', 'CAA flags 256 is out of range (0..255)'],
  ['CAA', '0 is-sue "x"', 'CAA tag "is-sue" must be 1 to 15 letters or digits'],
  ['CAA', '0 issue "a" "b"', 'CAA value must be one quoted string, got "a" "b"'],
  ['HINFO', 'pc', 'HINFO needs 2 character-strings (cpu os), got 1: "pc"'],
  ['SOA', 'a. b. 1 2 3 4', 'SOA needs 7 fields (mname rname serial refresh retry expire minimum), got 6: "a. b. 1 2 3 4"'],
  ['SOA', 'a. b. 4294967296 2 3 4 5', 'SOA serial 4294967296 is out of range (0..4294967295)'],
  ['WKS', 'x', 'unknown record type "WKS"'],
  ['OPT', '\\# 0', 'type OPT cannot appear in zone data'],
  ['DS', '1 2 3 abcd', 'type DS must be written in the generic form "\\# <length> <hex>"'],
  ['TYPE99', '\\# 2 abc', 'generic RDATA has an odd number of hex digits'],
  ['TYPE99', '\\# 3 abcd', 'generic RDATA says 3 bytes but has 2'],
  ['TYPE99', '\\# x', 'generic RDATA must be "\\# <length> <hex>", got "\\# x"'],
  ['A', '\\# 3 c00002', 'RDATA ends early (3 bytes)'],
  ['A', '\\# 5 c000020100', 'A RDATA has 1 trailing bytes'],
];

describe('bad input', () => {
  it.each(BAD)('%s %s', (type, data, message) => {
    let err: unknown;
    try {
      encodeRdata(type, data, ORIGIN);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeridianError);
    expect((err as MeridianError).kind).toBe('RDATA_INVALID');
    expect((err as MeridianError).message).toBe(message);
  });

  it('refuses compression pointers and truncated names when decoding', () => {
    expect(() => decodeRdata(2, Buffer.from([0xc0, 0x0c]))).toThrow('compressed or extended label in RDATA');
    expect(() => decodeRdata(2, Buffer.from([3, 0x61]))).toThrow('RDATA ends early (2 bytes)');
    expect(() => decodeRdata(16, Buffer.alloc(0))).toThrow('RDATA ends early (0 bytes)');
  });
});
