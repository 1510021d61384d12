/**
 * Presentation-format building blocks for rdata.ts: IP addresses (RFC 5952 output), RFC 1035
 * character-strings (quotes and escapes), unsigned numbers. Pure functions, no DNS types.
 */
import { MeridianError } from '../errors.js';

export function invalid(message: string): MeridianError {
  return new MeridianError('RDATA_INVALID', message);
}

/** 4 bytes for a dotted quad; leading zeros ("010") are refused, they read as octal elsewhere. */
export function parseIPv4(text: string): Buffer | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1);
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? Buffer.from(bytes) : undefined;
}

/** 16 bytes for an IPv6 address in any RFC 4291 text form (with "::", with a dotted-quad tail). */
export function parseIPv6(text: string): Buffer | undefined {
  let s = text;
  let v4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (s.includes('.', lastColon)) {
    v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const split = (h: string) => (h === '' ? [] : h.split(':'));
  const head = split(halves[0]);
  const tail = halves.length === 2 ? split(halves[1]) : [];
  const groups =
    halves.length === 2
      ? head.length + tail.length <= 7
        ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
        : undefined
      : head.length === 8
        ? head
        : undefined;
  if (!groups || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (v4) v4.copy(out, 12);
  return out;
}

export function formatIPv4(bytes: Buffer): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** RFC 5952: lower case, no leading zeros, longest run (>= 2) of zero groups as "::", first on a tie. */
export function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes.subarray(12))}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** An unsigned decimal number no greater than `max`; `what` names the field in the message. */
export function parseUint(token: string, max: number, what: string): number {
  if (!/^\d+$/.test(token)) throw invalid(`${what} "${token}" is not a number`);
  const n = Number(token);
  if (n > max) throw invalid(`${what} ${token} is out of range (0..${max})`);
  return n;
}

const isBlank = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/** Append the bytes of the escape starting at text[i] ("\065", "\""); return the next index. */
function readEscape(text: string, i: number, bytes: number[]): number {
  const digits = text.slice(i + 1, i + 4);
  if (/^\d{3}$/.test(digits)) {
    const v = Number(digits);
    if (v > 255) throw invalid(`bad escape \\${digits} (must be \\000 to \\255)`);
    bytes.push(v);
    return i + 4;
  }
  if (/^\d/.test(digits)) throw invalid(`bad escape \\${digits} (use three digits, e.g. \\009)`);
  const cp = text.codePointAt(i + 1);
  if (cp === undefined) throw invalid(`dangling "\\" at the end of ${JSON.stringify(text)}`);
  const ch = String.fromCodePoint(cp);
  bytes.push(...Buffer.from(ch, 'utf8'));
  return i + 1 + ch.length;
}

/**
 * RFC 1035 character-strings separated by blanks: each is either "quoted" (may hold blanks) or a
 * bare token; both take `\"`, `\\` and `\DDD` escapes. Lengths are not limited here.
 */
export function parseCharStrings(text: string): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isBlank(text[i])) i++;
    if (i >= text.length) return out;
    const quoted = text[i] === '"';
    if (quoted) i++;
    const bytes: number[] = [];
    for (;;) {
      if (i >= text.length) {
        if (quoted) throw invalid(`missing closing quote in ${JSON.stringify(text)}`);
        break;
      }
      const ch = text[i];
      if (quoted && ch === '"') {
        i++;
        break;
      }
      if (!quoted && isBlank(ch)) break;
      if (ch === '\\') {
        i = readEscape(text, i, bytes);
        continue;
      }
      const s = String.fromCodePoint(text.codePointAt(i)!);
      bytes.push(...Buffer.from(s, 'utf8'));
      i += s.length;
    }
    out.push(Buffer.from(bytes));
  }
}

/** Cut a text value into consecutive 255-byte pieces (RFC 7208 §3.3); "" stays one empty piece. */
export function splitText(value: Buffer): Buffer[] {
  if (value.length === 0) return [value];
  const out: Buffer[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.subarray(i, i + 255));
  return out;
}

/** `"..."` with `"` and `\` escaped and bytes outside printable ASCII as \DDD, as dig prints. */
export function quoteText(bytes: Buffer): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b >= 0x7f) s += `\\${String(b).padStart(3, '0')}`;
    else s += String.fromCharCode(b);
  }
  return `${s}"`;
}
