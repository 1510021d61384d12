/**
 * A small MaxMind DB (MMDB) writer: a test tool, not used by the server.
 *
 * Writes format 2.0 as specified at https://maxmind.github.io/MaxMind-DB/ :
 *   search tree  — a binary trie over the 128 bits of an IPv6 address, `nodeCount` nodes of two
 *                  records each (24, 28 or 32 bits per record); a record is another node's number,
 *                  `nodeCount` for "no data", or `nodeCount + 16 + offset` into the data section;
 *   16 zero bytes;
 *   data section — each distinct record once (no pointers);
 *   metadata     — "\xAB\xCD\xEFMaxMind.com" then a map (node_count, record_size, ip_version 6…).
 *
 * IPv4 networks live at ::a.b.c.d/96+len, and, as MaxMind's own writer does, ::ffff:0:0/96
 * (IPv4-mapped), 2001::/32 (Teredo) and 2002::/16 (6to4) point at that IPv4 subtree, so readers
 * that look IPv4 addresses up from the ::/96 node (all of them) find them.
 *
 * Values: strings → utf8_string, plain objects → map (keys in insertion order), arrays → array,
 * booleans → boolean; numbers must say their type with `double()`, `uint16()`, `uint32()` or
 * `uint64()`. Output is a pure function of the input: same networks and metadata, same bytes.
 */

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // \xAB\xCD\xEF MaxMind.com
const V4_IN_V6 = 96;
/** [network, prefix length] aliased to the IPv4 subtree, like MaxMind::DB::Writer's alias_ipv6_to_ipv4 */
const IPV4_ALIASES = [
  ['::ffff:0:0', 96],
  ['2001::', 32],
  ['2002::', 16],
];

class Typed {
  /** @param {'double'|'uint16'|'uint32'|'uint64'} type @param {number|bigint} value */
  constructor(type, value) {
    this.type = type;
    this.value = value;
  }
}

/** @param {number} value */
export const double = (value) => {
  if (!Number.isFinite(value)) throw new TypeError(`double: not a finite number: ${value}`);
  return new Typed('double', value);
};
const uint = (type, bits) => (/** @type {number|bigint} */ value) => {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(bits)) throw new RangeError(`${type}: out of range: ${value}`);
  return new Typed(type, v);
};
export const uint16 = uint('uint16', 16);
export const uint32 = uint('uint32', 32);
export const uint64 = uint('uint64', 64);

// ---------------------------------------------------------------------------------- data section

/** Control byte(s) for a type number (1..15) and a payload size (bytes, or entries for map/array). */
function control(type, size) {
  let first;
  let sizeBytes;
  if (size < 29) {
    first = size;
    sizeBytes = Buffer.alloc(0);
  } else if (size < 285) {
    first = 29;
    sizeBytes = Buffer.from([size - 29]);
  } else if (size < 65821) {
    first = 30;
    sizeBytes = Buffer.alloc(2);
    sizeBytes.writeUInt16BE(size - 285);
  } else if (size < 16843036) {
    first = 31;
    sizeBytes = Buffer.alloc(3);
    sizeBytes.writeUIntBE(size - 65821, 0, 3);
  } else {
    throw new RangeError(`value too large for MMDB: ${size}`);
  }
  if (type <= 7) return Buffer.concat([Buffer.from([(type << 5) | first]), sizeBytes]);
  return Buffer.concat([Buffer.from([first, type - 7]), sizeBytes]); // extended type
}

const TYPE = { utf8: 2, double: 3, uint16: 5, uint32: 6, map: 7, uint64: 9, array: 11, boolean: 14 };

/** Big-endian unsigned integer in as few bytes as it needs (zero is zero bytes). */
function uintBytes(v) {
  const bytes = [];
  for (let n = v; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  return Buffer.from(bytes);
}

/** Encode one value of the data section (or the metadata map). */
export function encodeValue(value) {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.utf8, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (value instanceof Typed) {
    if (value.type === 'double') {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleBE(/** @type {number} */ (value.value));
      return Buffer.concat([control(TYPE.double, 8), bytes]);
    }
    const bytes = uintBytes(/** @type {bigint} */ (value.value));
    return Buffer.concat([control(TYPE[value.type], bytes.length), bytes]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([control(TYPE.array, value.length), ...value.map(encodeValue)]);
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    const parts = entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)]);
    return Buffer.concat([control(TYPE.map, entries.length), ...parts]);
  }
  if (typeof value === 'number') {
    throw new TypeError(`bare number ${value}: wrap it in double(), uint16(), uint32() or uint64()`);
  }
  throw new TypeError(`cannot encode ${value === null ? 'null' : typeof value} in an MMDB`);
}

// ----------------------------------------------------------------------------------- search tree

/** Parse an IPv4 or IPv6 address into a 128-bit BigInt (IPv4 as ::a.b.c.d) and its family. */
export function parseAddress(text) {
  if (/^[\d.]+$/.test(text)) return { bits: ipv4Bits(text), family: 4 };
  let t = text;
  const v4 = /[\d.]+$/.exec(t)?.[0];
  if (v4?.includes('.')) {
    const b = ipv4Bits(v4); // embedded IPv4 tail (::ffff:192.0.2.1): two 16-bit groups
    t = `${t.slice(0, -v4.length)}${(b >> 16n).toString(16)}:${(b & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  const groups = (part) =>
    part === ''
      ? []
      : part.split(':').map((g) => {
          if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new Error(`not an IP address: ${text}`);
          return parseInt(g, 16);
        });
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length > 2 || (halves.length === 2 ? fill < 1 : fill !== 0)) {
    throw new Error(`not an IP address: ${text}`);
  }
  const words = [...head, ...Array(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return { bits: words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n), family: 6 };
}

function ipv4Bits(text) {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${text}`);
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** "192.0.2.0/24" → { bits, length } in the 128-bit tree (IPv4 shifted under ::/96). */
export function parseNetwork(cidr) {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) throw new Error(`not a network (ADDRESS/LENGTH): ${cidr}`);
  const { bits, family } = parseAddress(m[1]);
  const length = Number(m[2]);
  const max = family === 4 ? 32 : 128;
  if (length > max) throw new Error(`prefix length over ${max}: ${cidr}`);
  const hostMask = (1n << BigInt(max - length)) - 1n;
  if ((bits & hostMask) !== 0n) throw new Error(`host bits set in ${cidr}`);
  return family === 4 ? { bits, length: length + V4_IN_V6 } : { bits, length };
}

const bitAt = (bits, depth) => Number((bits >> BigInt(127 - depth)) & 1n);

/** Trie node: each side is another node, a data leaf `{ data: index }`, or null (no data). */
const newNode = (left = null, right = null) => ({ left, right });
const isNode = (x) => x !== null && 'left' in x;

/** Walk to the parent of the network's record, splitting leaves on the way; return [parent, side]. */
function descend(root, { bits, length }) {
  let node = root;
  for (let depth = 0; depth < length - 1; depth++) {
    const side = bitAt(bits, depth) ? 'right' : 'left';
    if (!isNode(node[side])) node[side] = newNode(node[side], node[side]);
    node = node[side];
  }
  return [node, bitAt(bits, length - 1) ? 'right' : 'left'];
}

/** The node at ::/96 (the IPv4 subtree), or null when there is no IPv4 data. */
function ipv4Root(root) {
  let node = root;
  for (let depth = 0; depth < V4_IN_V6 && isNode(node); depth++) node = node.left;
  return isNode(node) ? node : null;
}

function within(net, outer) {
  if (net.length < outer.length) return false;
  const shift = BigInt(128 - outer.length);
  return net.bits >> shift === outer.bits >> shift;
}

/**
 * Build the MMDB bytes.
 * @param {{ networks: { network: string, data: unknown }[],
 *           metadata: { databaseType: string, description?: Record<string,string>,
 *                       languages?: string[], buildEpoch: number },
 *           recordSize?: 24|28|32, aliasIpv4?: boolean }} input
 */
export function writeMmdb({ networks, metadata, recordSize, aliasIpv4 = true }) {
  const parsed = networks.map((n) => ({ ...n, net: parseNetwork(n.network) }));
  const seen = new Map();
  for (const n of parsed) {
    const key = `${n.net.bits}/${n.net.length}`;
    if (seen.has(key)) throw new Error(`network listed twice: ${seen.get(key)} and ${n.network}`);
    seen.set(key, n.network);
    if (n.net.length === 0) throw new Error(`a /0 network is not supported: ${n.network}`);
  }
  const aliases = IPV4_ALIASES.map(([a, len]) => ({ bits: parseAddress(a).bits, length: len }));
  for (const n of parsed) {
    const alias = aliasIpv4 && aliases.find((a) => within(n.net, a) || within(a, n.net));
    if (alias) throw new Error(`${n.network} overlaps an IPv4 alias range; list the IPv4 network instead`);
  }

  // data section: each distinct encoded record once, in order of first use
  const data = [];
  const offsetOf = new Map();
  let dataSize = 0;
  const leafFor = (value) => {
    const bytes = encodeValue(value);
    const key = bytes.toString('latin1');
    if (!offsetOf.has(key)) {
      offsetOf.set(key, dataSize);
      data.push(bytes);
      dataSize += bytes.length;
    }
    return { data: offsetOf.get(key) };
  };

  // broader networks first, so a more specific one carves its part out of them
  const root = newNode();
  const ordered = [...parsed].sort((a, b) => a.net.length - b.net.length || (a.net.bits < b.net.bits ? -1 : 1));
  for (const n of ordered) {
    const [parent, side] = descend(root, n.net);
    parent[side] = leafFor(n.data);
  }
  const v4 = aliasIpv4 ? ipv4Root(root) : null;
  if (v4) {
    for (const alias of aliases) {
      const [parent, side] = descend(root, alias);
      parent[side] = v4;
    }
  }

  // number nodes breadth-first (the IPv4 subtree is shared by the aliases: number it once)
  const number = new Map([[root, 0]]);
  const order = [root];
  for (let i = 0; i < order.length; i++) {
    for (const child of [order[i].left, order[i].right]) {
      if (isNode(child) && !number.has(child)) {
        number.set(child, order.length);
        order.push(child);
      }
    }
  }
  const nodeCount = order.length;
  const recordOf = (x) => (x === null ? nodeCount : isNode(x) ? number.get(x) : nodeCount + 16 + x.data);
  const maxRecord = nodeCount + 16 + dataSize;
  const size = recordSize ?? [24, 28, 32].find((s) => maxRecord < 2 ** s);
  if (![24, 28, 32].includes(size) || maxRecord >= 2 ** size) {
    throw new Error(`record size ${size} cannot hold ${maxRecord}`);
  }

  const tree = Buffer.alloc((nodeCount * size) / 4);
  order.forEach((node, i) => writeNode(tree, (i * size) / 4, size, recordOf(node.left), recordOf(node.right)));

  const meta = {
    binary_format_major_version: uint16(2),
    binary_format_minor_version: uint16(0),
    build_epoch: uint64(metadata.buildEpoch),
    database_type: metadata.databaseType,
    description: metadata.description ?? {},
    ip_version: uint16(6),
    languages: metadata.languages ?? [],
    node_count: uint32(nodeCount),
    record_size: uint16(size),
  };
  return Buffer.concat([tree, Buffer.alloc(16), ...data, METADATA_MARKER, encodeValue(meta)]);
}

/** Write one node (two records) of `size` bits each at byte `at`, as the spec lays them out. */
export function writeNode(buf, at, size, left, right) {
  if (size === 24) {
    buf.writeUIntBE(left, at, 3);
    buf.writeUIntBE(right, at + 3, 3);
  } else if (size === 28) {
    buf.writeUIntBE(left & 0xffffff, at, 3);
    buf[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    buf.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    buf.writeUInt32BE(left, at);
    buf.writeUInt32BE(right, at + 4);
  }
}
