/**
 * IP address text ↔ bytes for the query path: a fast dotted-quad parser for packet source
 * addresses (always valid literals from the kernel), the validating parsers and RFC 5952
 * formatting of rdata-text.ts for everything else. IPv4-mapped IPv6 becomes IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv4, formatIPv6, parseIPv6 } from './rdata-text.js';

export interface AddressBytes {
  family: 4 | 6;
  bytes: Uint8Array;
}

export function parseIPv4(text: string, out: Uint8Array = new Uint8Array(4)): Uint8Array {
  let part = 0;
  let val = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      out[part++] = val;
      val = 0;
    } else val = val * 10 + (c - 48);
  }
  out[part] = val;
  return out;
}

/** Parse an address; null when it is not one. `::ffff:a.b.c.d` is returned as IPv4. */
export function parseAddress(text: string): AddressBytes | null {
  if (isIPv4(text)) return { family: 4, bytes: parseIPv4(text) };
  if (!isIPv6(text)) return null;
  const pct = text.indexOf('%'); // zone index (fe80::1%eth0) is not part of the address
  const b = parseIPv6(pct >= 0 ? text.slice(0, pct) : text);
  if (!b) return null;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return { family: 4, bytes: Uint8Array.from(b.subarray(12)) };
  return { family: 6, bytes: Uint8Array.from(b) };
}

export function formatAddress(a: AddressBytes): string {
  const b = Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  return a.family === 4 ? formatIPv4(b) : formatIPv6(b);
}
