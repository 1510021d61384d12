// Types for scripts/geoip-mmdb-writer.mjs, so TypeScript tests can import the writer.

declare const typed: unique symbol;
/** A number with its MMDB type; make one with double(), uint16(), uint32() or uint64(). */
export interface Typed {
  readonly [typed]: true;
}
export function double(value: number): Typed;
export function uint16(value: number | bigint): Typed;
export function uint32(value: number | bigint): Typed;
export function uint64(value: number | bigint): Typed;

export type MmdbValue = string | boolean | Typed | MmdbValue[] | { [key: string]: MmdbValue | undefined };

export function encodeValue(value: MmdbValue): Buffer;
export function parseAddress(text: string): { bits: bigint; family: 4 | 6 };
export function parseNetwork(cidr: string): { bits: bigint; length: number };

export interface WriteInput {
  networks: { network: string; data: MmdbValue }[];
  metadata: { databaseType: string; description?: Record<string, string>; languages?: string[]; buildEpoch: number };
  recordSize?: 24 | 28 | 32;
  aliasIpv4?: boolean;
}
export function writeMmdb(input: WriteInput): Buffer;
export function writeNode(buf: Buffer, at: number, size: 24 | 28 | 32, left: number, right: number): void;
