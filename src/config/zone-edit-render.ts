/**
 * Writing JSON values as zone file YAML, in the layout of zones/lb.example.test.yaml: small
 * values as one-line flow collections (`{ name: www, type: A, data: 192.0.2.10 }`,
 * `[ns1, ns2]`), sections as block maps. Zone files are read with the failsafe schema (every
 * scalar a string), so numbers and booleans are written plain and strings are quoted only when
 * YAML syntax needs it (`"@"`, `"*.apps"`, `'"a" "b"'`), never because they look like numbers.
 */
import { Document } from 'yaml';
import { MeridianError } from '../errors.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Entries of an object that mean something in YAML: `null` and `undefined` mean "absent". */
function entries(obj: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(obj).filter(([, v]) => v !== null && v !== undefined);
}

/** One string as a YAML scalar that reads back (failsafe) as exactly that string, in any context. */
export function scalarText(s: string): string {
  if (s === '') return '""';
  // control characters (newlines, tabs …): a double-quoted scalar with escapes, never folded
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s)) {
    return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  }
  // the yaml library knows when a plain scalar is safe inside a flow collection (the strictest
  // place); like the example zone, text with spaces or colons is quoted too, for the reader
  const doc = new Document([s], { schema: 'failsafe' });
  (doc.contents as { flow?: boolean }).flow = true;
  const plain = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd().slice(1, -1);
  if (plain === s && !/[ :]/.test(s)) return s;
  return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}

/** A JSON value as one line of flow YAML: `{ a: 1, b: [x, y] }`. Keys with null values are left out. */
export function flowText(v: unknown): string {
  if (typeof v === 'string') return scalarText(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return '""';
  if (Array.isArray(v)) return `[${v.map(flowText).join(', ')}]`;
  if (isPlainObject(v)) {
    const items = entries(v).map(([k, x]) => `${scalarText(k)}: ${flowText(x)}`);
    return items.length ? `{ ${items.join(', ')} }` : '{}';
  }
  return scalarText(String(v));
}

/**
 * A map as block YAML lines, without the leading indentation of the first line: `name: x`,
 * then `<indent>address: y` … (for an entry after `- ` whose keys start at column `indent`).
 */
export function blockItemText(obj: Record<string, unknown>, indent: number, eol = '\n'): string {
  const pad = ' '.repeat(indent);
  return entries(obj)
    .map(([k, v], i) => `${i ? pad : ''}${scalarText(k)}: ${flowText(v)}`)
    .join(eol);
}

/** JSON values as zone file values: numbers and booleans become the strings the file would hold. */
export function asYamlStrings(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map(asYamlStrings);
  if (isPlainObject(v)) return Object.fromEntries(entries(v).map(([k, x]) => [k, asYamlStrings(x)]));
  return v;
}

/**
 * Which values of a zone file are written as block YAML: 'list' is a block list of one-line
 * flow entries, a map a block map whose keys have the layouts given ('*' for any key); every
 * other value is written as flow.
 */
type Layout = 'flow' | 'list' | { [key: string]: Layout };

const ZONE_LAYOUT: Layout = {
  records: 'list',
  pools: { '*': { members: 'list', health: {} } },
  sites: {},
};

function layoutOf(layout: Layout, key: string): Layout {
  if (typeof layout === 'string') return 'flow';
  return layout[key] ?? layout['*'] ?? 'flow';
}

function blockLines(key: string, value: unknown, layout: Layout, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  const head = `${pad}${scalarText(key)}:`;
  if (layout === 'list' && Array.isArray(value) && value.length) {
    out.push(head, ...value.map((item) => `${pad}  - ${flowText(item)}`));
  } else if (typeof layout === 'object' && isPlainObject(value) && entries(value).length) {
    out.push(head);
    for (const [k, v] of entries(value)) blockLines(k, v, layoutOf(layout, k), indent + 2, out);
  } else if (indent === 0 && isPlainObject(value)) out.push(...wrapped(head, value));
  else out.push(`${head} ${flowText(value)}`);
}

const WIDTH = 96;

/** A top-level flow map, continued on further lines (aligned after its "{ ") when it is long, like the example's soa. */
function wrapped(head: string, obj: Record<string, unknown>): string[] {
  const items = entries(obj).map(([k, v]) => `${scalarText(k)}: ${flowText(v)}`);
  if (items.length === 0) return [`${head} {}`];
  const lines: string[] = [];
  let cur = `${head} { ${items[0]}`;
  for (const item of items.slice(1)) {
    if (cur.length + item.length + 2 <= WIDTH) cur += `, ${item}`;
    else {
      lines.push(`${cur},`);
      cur = `${' '.repeat(head.length + 3)}${item}`;
    }
  }
  return [...lines, `${cur} }`];
}

/**
 * A new zone file text from a JSON body of the zone-file shape (PUT zone): the soa, each record,
 * each member and each site as a one-line flow map, `records`, `pools`, each pool, its `health`,
 * its `members` and `sites` as block YAML, keys in the order of the JSON object, `null` values
 * left out. The text is not validated here: parse it with parseZoneText, whose problems name
 * fields by the same paths as the JSON. Throws REQUEST_INVALID when `doc` is not an object.
 */
export function zoneTextFromJson(doc: unknown): string {
  if (!isPlainObject(doc)) throw new MeridianError('REQUEST_INVALID', 'a zone must be a JSON object in the shape of a zone file');
  const out = ['# Written by the Meridian admin API. Reference: docs/zone-files.md'];
  for (const [k, v] of entries(doc)) blockLines(k, v, layoutOf(ZONE_LAYOUT, k), 0, out);
  return `${out.join('\n')}\n`;
}
