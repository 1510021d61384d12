/**
 * Addresses no GeoIP database can place: private, loopback, link-local and unspecified ranges.
 * The caller sends such clients to the default site; the range length is the prefix the answer
 * holds for (an ECS scope of /8 for 10.0.0.0/8, not of the client's /24).
 *
 * Deliberately absent: 100.64.0.0/10 (CGNAT: real ISPs' clients, placeable by the database; the
 * test database uses it) and the documentation ranges (also used by the test database).
 */

export interface SpecialRange {
  /** e.g. "10.0.0.0/8" */
  readonly network: string;
  /** private | loopback | link-local | unspecified */
  readonly kind: 'private' | 'loopback' | 'link-local' | 'unspecified';
  readonly prefix: number;
}

const range = (network: string, kind: SpecialRange['kind']): SpecialRange =>
  Object.freeze({ network, kind, prefix: Number(network.slice(network.indexOf('/') + 1)) });

export const SPECIAL_V4: readonly SpecialRange[] = Object.freeze([
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.168.0.0/16', 'private'),
]);

export const SPECIAL_V6: readonly SpecialRange[] = Object.freeze([
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
]);

/** The IPv4 special range `b` (4 bytes from `at`) falls in, or undefined. */
function v4(b: Uint8Array, at: number): SpecialRange | undefined {
  const a = b[at];
  if (a === 0) return SPECIAL_V4[0];
  if (a === 10) return SPECIAL_V4[1];
  if (a === 127) return SPECIAL_V4[2];
  if (a === 169 && b[at + 1] === 254) return SPECIAL_V4[3];
  if (a === 172 && (b[at + 1] & 0xf0) === 16) return SPECIAL_V4[4];
  if (a === 192 && b[at + 1] === 168) return SPECIAL_V4[5];
  return undefined;
}

function zeros(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * The special range of an address (4 or 16 bytes), or undefined. IPv4-mapped IPv6 addresses
 * (::ffff:10.1.2.3) are judged by their IPv4 part, with the prefix counted in IPv6 bits (96 + n);
 * the range returned then describes the IPv4 part.
 */
export function specialRange(bytes: Uint8Array, family: 4 | 6): SpecialRange | undefined {
  if (family === 4) return v4(bytes, 0);
  const b0 = bytes[0];
  if ((b0 & 0xfe) === 0xfc) return SPECIAL_V6[2];
  if (b0 === 0xfe && (bytes[1] & 0xc0) === 0x80) return SPECIAL_V6[3];
  if (b0 !== 0 || !zeros(bytes, 1, 10)) return undefined;
  if (bytes[10] === 0xff && bytes[11] === 0xff) return v4(bytes, 12);
  if (bytes[10] !== 0 || bytes[11] !== 0 || !zeros(bytes, 12, 15)) return undefined;
  if (bytes[15] === 0) return SPECIAL_V6[0];
  if (bytes[15] === 1) return SPECIAL_V6[1];
  return undefined;
}

/** Prefix length of the special range in the address's own family (96 + n for mapped IPv4). */
export function specialPrefix(bytes: Uint8Array, family: 4 | 6): number | undefined {
  const r = specialRange(bytes, family);
  if (!r) return undefined;
  return family === 6 && r.network.indexOf(':') < 0 ? 96 + r.prefix : r.prefix;
}
