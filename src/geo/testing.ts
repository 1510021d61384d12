/** Helpers for the geo tests (not imported by the server). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeoDatabase } from './reader.js';

export const TEST_DB = join(import.meta.dirname, '../../geoip/test-city.mmdb');
export const REAL_DB = join(import.meta.dirname, '../../geoip/GeoLite2-City.mmdb');

export function testDbBytes(): Buffer {
  return readFileSync(TEST_DB);
}

/** Address text → bytes and family, kept as written (::ffff:a.b.c.d stays IPv6). */
export function addr(text: string): { bytes: Uint8Array; family: 4 | 6 } {
  if (!text.includes(':')) return { bytes: Uint8Array.from(text.split('.').map(Number)), family: 4 };
  let t = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    t = t.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [left, right] = t.split('::');
  const l = left ? left.split(':') : [];
  const r = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return { bytes, family: 6 };
}

/** A lookup in one line: "DE EU Frankfurt 50.11 8.68 /24", "AT EU - - - /24", "null /8". */
export function look(db: GeoDatabase, text: string): string {
  const { bytes, family } = addr(text);
  const { location: l, prefix } = db.lookup(bytes, family);
  if (!l) return `null /${prefix}`;
  return `${l.country ?? '-'} ${l.continent ?? '-'} ${l.city ?? '-'} ${l.lat ?? '-'} ${l.lon ?? '-'} /${prefix}`;
}

/** A copy of an mmdb with every `from` replaced by `to` (same length): a valid, different file. */
export function patched(buf: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('patched: same length only');
  const out = Buffer.from(buf);
  let n = 0;
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1), n++) out.write(to, i);
  if (n === 0) throw new Error(`patched: "${from}" not found`);
  return out;
}

/** Poll until `check` is true (every 10 ms, up to `ms`). */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
