/**
 * RR type and class code tables: mnemonic <-> number. Names not in the table use the RFC 3597
 * generic forms `TYPE123` and `CLASS3`, in both directions.
 */

export const TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SVCB: 64,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const satisfies Record<string, number>;

export type TypeName = keyof typeof TYPES;

export const CLASSES = {
  IN: 1,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const satisfies Record<string, number>;

export type ClassName = keyof typeof CLASSES;

const typeByCode = new Map<number, string>(Object.entries(TYPES).map(([k, v]) => [v, k]));
const classByCode = new Map<number, string>(Object.entries(CLASSES).map(([k, v]) => [v, k]));

function fromTable(table: Record<string, number>, prefix: string, text: string): number | undefined {
  const upper = text.trim().toUpperCase();
  if (Object.hasOwn(table, upper)) return table[upper];
  const m = new RegExp(`^${prefix}(\\d{1,5})$`).exec(upper);
  if (!m) return undefined;
  const code = Number(m[1]);
  return code <= 0xffff ? code : undefined;
}

/** Type code for a mnemonic ("aaaa" works) or generic "TYPE65280"; undefined when neither. */
export function typeCode(name: string): number | undefined {
  return fromTable(TYPES, 'TYPE', name);
}

/** Mnemonic for a type code, or "TYPE<code>" when it has none. */
export function typeName(code: number): string {
  return typeByCode.get(code) ?? `TYPE${code}`;
}

/** Class code for a mnemonic ("in" works) or generic "CLASS3"; undefined when neither. */
export function classCode(name: string): number | undefined {
  return fromTable(CLASSES, 'CLASS', name);
}

/** Mnemonic for a class code, or "CLASS<code>" when it has none. */
export function className(code: number): string {
  return classByCode.get(code) ?? `CLASS${code}`;
}
