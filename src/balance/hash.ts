/**
 * MurmurHash3 (x86, 32-bit), written out by hand so every instance on every platform computes the
 * same value: ip-hash tables and client slots must agree across a fleet of servers. Only 32-bit
 * integer arithmetic (Math.imul, >>> 0) is used, so the result does not depend on the JS engine.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The murmur3 finaliser: spreads every input bit over every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3_x86_32 of `bytes` with `seed`; an unsigned 32-bit integer. Allocates nothing. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(rotl32(Math.imul(k, C1), 15), C2);
    h ^= k;
    h = (Math.imul(rotl32(h, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = bytes[blocks];
    if (tail > 1) k ^= bytes[blocks + 1] << 8;
    if (tail > 2) k ^= bytes[blocks + 2] << 16;
    h ^= Math.imul(rotl32(Math.imul(k, C1), 15), C2);
  }
  return fmix32(h ^ len);
}

const utf8 = new TextEncoder();

/** murmur3 of the UTF-8 bytes of `text` (member names). Allocates: use at bind time, not per query. */
export function hashString(text: string, seed = 0): number {
  return murmur3(utf8.encode(text), seed);
}
