/**
 * Domain names in the three forms Meridian uses:
 * - presentation: "www.Example.test." (absolute, trailing dot; "." is the root)
 * - wire: length-prefixed labels ending in a zero byte, original letter case
 * - key: the wire form lower-cased, as a latin1 string. Keys are what every map is indexed by;
 *   a key's suffixes at label boundaries are the keys of its ancestors, so walking up the tree
 *   is `key.slice(offset)` with no parsing.
 */
import { MeridianError } from '../errors.js';

export type NameKey = string;

export const ROOT_KEY: NameKey = '\u0000';

/** Lower-case ASCII letters in a wire buffer (other bytes untouched) and return it as a key. */
export function wireToKey(wire: Buffer, start = 0, end = wire.length): NameKey {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = wire[i];
    s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return s;
}

/** Offsets of each label start in a key, from the leftmost label; the root (final 0) excluded. */
export function labelOffsets(key: NameKey): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < key.length) {
    const len = key.charCodeAt(i);
    if (len === 0) break;
    out.push(i);
    i += len + 1;
  }
  return out;
}

/** Number of labels (root = 0). */
export function labelCount(key: NameKey): number {
  return labelOffsets(key).length;
}

/** Parent key (one label removed); the root has no parent. */
export function parentKey(key: NameKey): NameKey | undefined {
  if (key === ROOT_KEY) return undefined;
  return key.slice(key.charCodeAt(0) + 1);
}

/** True when `key` equals `ancestor` or lies below it. */
export function isAtOrBelow(key: NameKey, ancestor: NameKey): boolean {
  if (!key.endsWith(ancestor)) return false;
  if (key.length === ancestor.length) return true;
  // the suffix must start on a label boundary
  let i = 0;
  const cut = key.length - ancestor.length;
  while (i < cut) i += key.charCodeAt(i) + 1;
  return i === cut;
}

/** Parse presentation format ("a.b.c." or "a.b.c" when `origin` is given; "@" = origin). */
export function parseName(text: string, origin?: string): Buffer {
  let name = text.trim();
  if (name === '@') {
    if (origin === undefined) throw new MeridianError('NAME_INVALID', `"@" needs an origin`);
    name = origin;
  } else if (!name.endsWith('.') || name.endsWith('\\.')) {
    if (origin === undefined) throw new MeridianError('NAME_INVALID', `name "${text}" is not absolute`);
    name = origin === '.' ? `${name}.` : `${name}.${origin}`;
  }
  if (name === '.') return Buffer.from([0]);
  const labels: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') {
      const d = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new MeridianError('NAME_INVALID', `bad escape \\${d} in "${text}"`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < name.length) {
        cur.push(name.charCodeAt(i + 1));
        i += 1;
      } else throw new MeridianError('NAME_INVALID', `dangling escape in "${text}"`);
    } else if (ch === '.') {
      if (cur.length === 0) throw new MeridianError('NAME_INVALID', `empty label in "${text}"`);
      labels.push(cur);
      cur = [];
    } else {
      const c = name.charCodeAt(i);
      if (c > 0xff) throw new MeridianError('NAME_INVALID', `non-ASCII character in "${text}" (use punycode)`);
      cur.push(c);
    }
  }
  if (cur.length) labels.push(cur);
  const bytes: number[] = [];
  for (const l of labels) {
    if (l.length > 63) throw new MeridianError('NAME_INVALID', `label longer than 63 bytes in "${text}"`);
    bytes.push(l.length, ...l);
  }
  bytes.push(0);
  if (bytes.length > 255) throw new MeridianError('NAME_INVALID', `name longer than 255 bytes: "${text}"`);
  return Buffer.from(bytes);
}

export function nameKey(text: string, origin?: string): NameKey {
  const w = parseName(text, origin);
  return wireToKey(w);
}

/** Presentation form of a wire name (or key), escaping special characters. Always absolute. */
export function wireToText(wire: Buffer | string, start = 0): string {
  const at = (i: number) => (typeof wire === 'string' ? wire.charCodeAt(i) : wire[i]);
  const end = wire.length;
  let out = '';
  let i = start;
  while (i < end) {
    const len = at(i);
    if (len === 0) break;
    for (let j = i + 1; j <= i + len; j++) {
      const c = at(j);
      if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24) {
        out += '\\' + String.fromCharCode(c);
      } else if (c <= 0x20 || c >= 0x7f) {
        out += '\\' + String(c).padStart(3, '0');
      } else out += String.fromCharCode(c);
    }
    out += '.';
    i += len + 1;
  }
  return out === '' ? '.' : out;
}

export function keyToText(key: NameKey): string {
  return wireToText(key);
}

/** Wire bytes for a key (lower case). */
export function keyToWire(key: NameKey): Buffer {
  return Buffer.from(key, 'latin1');
}

/** Canonical absolute lower-case text for a presentation name. */
export function canonicalName(text: string, origin?: string): string {
  return keyToText(nameKey(text, origin));
}
