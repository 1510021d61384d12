/** IP address text ↔ bytes, without allocation-heavy helpers. IPv4-mapped IPv6 becomes IPv4. */
import { isIPv4, isIPv6 } from 'node:net';

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

export function parseIPv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tailV4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  for (let i = 0; i < 8; i++) {
    const v = parseInt(groups[i], 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** Parse an address; null when it is not one. `::ffff:a.b.c.d` is returned as IPv4. */
export function parseAddress(text: string): AddressBytes | null {
  if (isIPv4(text)) return { family: 4, bytes: parseIPv4(text) };
  if (!isIPv6(text)) return null;
  const b = parseIPv6(text);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return { family: 4, bytes: b.slice(12) };
  return { family: 6, bytes: b };
}

export function formatAddress(a: AddressBytes): string {
  if (a.family === 4) return Array.from(a.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a.bytes[i] << 8) | a.bytes[i + 1]).toString(16));
  // RFC 5952: compress the longest run of zero groups (length >= 2)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
