/**
 * EDNS Client Subnet (RFC 7871) option: parse and validate what a resolver sent, and encode the
 * option we echo back with our SCOPE PREFIX-LENGTH.
 */
export interface Ecs {
  /** 1 = IPv4, 2 = IPv6 */
  family: 1 | 2;
  sourcePrefix: number;
  scopePrefix: number;
  /** the address bytes as sent (ceil(source/8) bytes) */
  address: Buffer;
}

/** Returns the option, or a string saying why it is malformed (the caller answers FORMERR). */
export function parseEcs(data: Buffer): Ecs | string {
  if (data.length < 4) return 'CLIENT-SUBNET option shorter than 4 bytes';
  const family = data.readUInt16BE(0);
  const source = data[2];
  const scope = data[3];
  if (family !== 1 && family !== 2) return `CLIENT-SUBNET family ${family} is not 1 (IPv4) or 2 (IPv6)`;
  const max = family === 1 ? 32 : 128;
  if (source > max) return `CLIENT-SUBNET source prefix /${source} is longer than /${max}`;
  if (scope !== 0) return 'CLIENT-SUBNET scope prefix must be 0 in a query';
  const need = (source + 7) >> 3;
  const address = data.subarray(4);
  if (address.length !== need) return `CLIENT-SUBNET address has ${address.length} bytes, /${source} needs ${need}`;
  if (need > 0 && source % 8 !== 0) {
    const mask = 0xff >> (source % 8);
    if (address[need - 1] & mask) return 'CLIENT-SUBNET address has bits set beyond the source prefix';
  }
  return { family, sourcePrefix: source, scopePrefix: 0, address: Buffer.from(address) };
}

/** Bytes of the ECS option data (without code/length) for a response. */
export function ecsResponseLength(ecs: Ecs): number {
  return 4 + ecs.address.length;
}

export function writeEcs(out: Buffer, off: number, ecs: Ecs, scope: number): number {
  out.writeUInt16BE(8, off);
  out.writeUInt16BE(4 + ecs.address.length, off + 2);
  out.writeUInt16BE(ecs.family, off + 4);
  out[off + 6] = ecs.sourcePrefix;
  out[off + 7] = scope;
  ecs.address.copy(out, off + 8);
  return off + 8 + ecs.address.length;
}

/** Full-length (4 or 16 byte) address from an ECS option, masked to at most `limit` bits. */
export function ecsAddress(ecs: Ecs, limit: number): { bytes: Uint8Array; prefix: number } {
  const bytes = new Uint8Array(ecs.family === 1 ? 4 : 16);
  const prefix = Math.min(ecs.sourcePrefix, limit);
  // a plain loop: Buffer.from(bytes.buffer) would move the small on-heap array's bytes off the
  // heap (an external allocation the GC tracks) on every query
  const n = Math.min(ecs.address.length, bytes.length);
  for (let i = 0; i < n; i++) bytes[i] = ecs.address[i];
  maskInPlace(bytes, prefix);
  return { bytes, prefix };
}

export function maskInPlace(bytes: Uint8Array, prefix: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const bits = prefix - i * 8;
    if (bits >= 8) continue;
    bytes[i] = bits <= 0 ? 0 : bytes[i] & (0xff << (8 - bits));
  }
}
