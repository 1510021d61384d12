/**
 * RFC 1035 §5 master files ("BIND zone files"), read the way BIND, NSD and Knot read them:
 * `$ORIGIN`, `$TTL` (RFC 2308), comments, parentheses, quoted strings with escapes, `@`,
 * relative names, omitted owner / TTL / class, TTL and class in either order, BIND TTL units.
 *
 * `tokenize` turns text into entries (one per logical line); `parseMasterFile` turns entries into
 * records with absolute owners and presentation-form RDATA (names made absolute, TXT re-quoted).
 * Types Meridian serves are checked field by field; other known types are kept as written and
 * flagged `supported: false` so the importer can list them as skipped.
 *
 * TTL of a record without one: the current `$TTL`; else the last explicit TTL (RFC 1035); else,
 * for a leading SOA, its MINIMUM (BIND's compatibility rule, with a warning); else an error.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MeridianError, formatProblem, type Problem } from '../errors.js';
import { parseName, wireToText } from '../wire/name.js';

export interface Token {
  /** as written, escapes kept; for quoted tokens the text between the quotes */
  text: string;
  quoted: boolean;
  /** 1-based */
  line: number;
  column: number;
}

/** One logical line: a directive or a record, possibly spanning lines with parentheses. */
export interface Entry {
  tokens: Token[];
  line: number;
  /** the entry began with blank space: the owner is the previous record's */
  ownerOmitted: boolean;
}

/** SOA fields, names absolute, times in seconds. */
export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number; retry: number; expire: number; minimum: number;
}

export interface MasterRecord {
  /** absolute owner, case kept, e.g. "www.Example.test." */
  owner: string;
  ttl: number;
  /** upper-case mnemonic ("MX") or generic "TYPE65534" */
  type: string;
  /** presentation RDATA; names absolute. For unsupported types, the tokens as written */
  data: string;
  supported: boolean;
  soa?: SoaData;
  line: number;
}

export interface MasterFile {
  records: MasterRecord[];
  /** the first `$TTL` directive, if any */
  ttlDirective?: number;
  /** things accepted but worth a look (file and line set) */
  warnings: Problem[];
}

/** Types Meridian serves, with their codes (to reject `TYPE1` spelled for `A`). */
export const SUPPORTED_TYPES: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, CAA: 257,
};
/** Known types Meridian does not serve: parsed past, reported as skipped. */
const OTHER_TYPES = new Set(
  ('AFSDB APL CDNSKEY CDS CERT CSYNC DHCID DLV DNAME DNSKEY DS EUI48 EUI64 HINFO HIP HTTPS ' +
    'IPSECKEY KEY KX L32 L64 LOC LP MINFO NAPTR NID NSEC NSEC3 NSEC3PARAM NULL OPENPGPKEY RP ' +
    'RRSIG SIG SMIMEA SPF SSHFP SVCB TLSA URI WKS ZONEMD').split(' '),
);
const CLASSES = new Set(['IN', 'CH', 'CHAOS', 'HS', 'HESIOD', 'CS', 'NONE', 'ANY']);
const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8

export function masterfileError(message: string, file?: string, line?: number, column?: number): MeridianError {
  const p: Problem = { ...(file !== undefined && { file }), ...(line && { line }), ...(column && { column }), message };
  return new MeridianError('MASTERFILE_INVALID', formatProblem(p), [p]);
}

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t' || ch === '\r';
const ends = (ch: string | undefined) => ch === undefined || isBlank(ch) || ch === '\n' || '();"'.includes(ch);

export function tokenize(text: string, file?: string): Entry[] {
  const entries: Entry[] = [];
  let tokens: Token[] = [];
  let ownerOmitted = false;
  let depth = 0;
  let openedAt = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (msg: string, l: number, c?: number): never => { throw masterfileError(msg, file, l, c); };
  let i = 0;
  while (i < text.length) {
    if (i === lineStart && depth === 0 && tokens.length === 0) ownerOmitted = isBlank(text[i]);
    const ch = text[i];
    const column = i - lineStart + 1;
    if (ch === '\n') {
      if (depth === 0 && tokens.length) {
        entries.push({ tokens, line: tokens[0].line, ownerOmitted });
        tokens = [];
      }
      line++;
      lineStart = ++i;
    } else if (isBlank(ch)) {
      i++;
    } else if (ch === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '(') {
      if (depth++ === 0) openedAt = line;
      i++;
    } else if (ch === ')') {
      if (depth-- === 0) fail(`")" without a matching "("`, line, column);
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') {
        if (j >= text.length) fail('unterminated quoted string', line, column);
        if (text[j] === '\\') j++;
        if (text[j] === '\n' || j >= text.length) fail('quoted string runs past the end of the line', line, column);
        j++;
      }
      tokens.push({ text: text.slice(i + 1, j), quoted: true, line, column });
      i = j + 1;
    } else {
      let j = i;
      while (!ends(text[j])) {
        if (text[j] === '\\') {
          if (text[j + 1] === undefined || text[j + 1] === '\n') fail('backslash at the end of a line', line, j - lineStart + 1);
          j++;
        }
        j++;
      }
      tokens.push({ text: text.slice(i, j), quoted: false, line, column });
      i = j;
    }
  }
  if (depth > 0) fail(`"(" is never closed`, openedAt);
  if (tokens.length) entries.push({ tokens, line: tokens[0].line, ownerOmitted });
  return entries;
}

/** Seconds for "3600", "1h30m", "1W", "2d12h"; undefined if not of that form. */
export function parseTtl(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdw])+$/i.test(text)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([smhdw])/gi)) total += Number(n) * unit[u.toLowerCase()];
  return total;
}

/** Bytes of a character-string as written (escapes `\X` and `\DDD` decoded). */
export function decodeCharString(text: string): number[] | string {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        if (Number(d) > 255) return `escape \\${d} is above 255`;
        out.push(Number(d));
        i += 3;
        continue;
      }
      i++;
    }
    out.push(...Buffer.from(text[i], 'utf8'));
  }
  return out;
}

/** A character-string in canonical quoted form: `"`, `\` escaped, unprintable bytes as \DDD. */
export function quoteCharString(bytes: number[]): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) s += '\\' + String(b).padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s + '"';
}

/** Parser state: current origin, previous owner, last explicit TTL, current $TTL. */
interface State { file?: string; origin?: string; owner?: string; lastTtl?: number; dollarTtl?: number }

export function parseMasterFile(text: string, opts: { origin?: string; file?: string } = {}): MasterFile {
  const st: State = { file: opts.file };
  const out: MasterFile = { records: [], warnings: [] };
  if (opts.origin !== undefined) {
    const o = opts.origin.endsWith('.') ? opts.origin : `${opts.origin}.`;
    st.origin = toName({ text: o, quoted: false, line: 0, column: 0 }, undefined, st, 'origin');
  }
  for (const e of tokenize(text, opts.file)) {
    const head = e.tokens[0];
    if (!head.quoted && head.text.startsWith('$')) directive(e, st, out);
    else out.records.push(record(e, st, out));
  }
  return out;
}

function fail(st: State, tok: Token | number, message: string): never {
  if (typeof tok === 'number') throw masterfileError(message, st.file, tok);
  throw masterfileError(message, st.file, tok.line, tok.column);
}

/** Absolute presentation form of a name token, relative ones completed with `origin`. */
function toName(tok: Token, origin: string | undefined, st: State, what = 'name'): string {
  const t = tok.text;
  const absolute = t !== '@' && /(^|[^\\])(\\\\)*\.$/.test(t);
  if (!absolute && origin === undefined) {
    fail(st, tok, `relative ${what} "${t}" but no origin is known: add $ORIGIN or pass --origin`);
  }
  try {
    return wireToText(parseName(t, origin));
  } catch (err) {
    if (err instanceof MeridianError) fail(st, tok, `bad ${what} "${t}": ${err.message}`);
    throw err;
  }
}

function directive(e: Entry, st: State, out: MasterFile): void {
  const [head, arg, extra] = e.tokens;
  const name = head.text.toUpperCase();
  if (name === '$INCLUDE') {
    fail(st, head, '$INCLUDE is not supported: flatten the zone first (e.g. named-compilezone -o flat.zone ZONE FILE)');
  }
  if (name !== '$ORIGIN' && name !== '$TTL') fail(st, head, `unknown or unsupported directive ${head.text}`);
  if (!arg) fail(st, head, `${name} needs a value`);
  if (extra) fail(st, extra, `unexpected "${extra.text}" after ${name}`);
  if (name === '$ORIGIN') {
    st.origin = toName(arg, st.origin, st, 'origin');
  } else {
    st.dollarTtl = ttlToken(arg, st);
    out.ttlDirective ??= st.dollarTtl;
  }
}

function ttlToken(tok: Token, st: State): number {
  const v = parseTtl(tok.text);
  if (v === undefined) fail(st, tok, `bad TTL "${tok.text}" (use seconds or units like 1h30m, 1d, 1w)`);
  if (v > MAX_TTL) fail(st, tok, `TTL ${tok.text} is above 2147483647 seconds`);
  return v;
}

function record(e: Entry, st: State, out: MasterFile): MasterRecord {
  const t = e.tokens;
  let i = 0;
  let owner: string;
  if (e.ownerOmitted) {
    if (st.owner === undefined) fail(st, t[0], 'no owner name, and no earlier record to take it from');
    owner = st.owner;
  } else owner = toName(t[i++], st.origin, st, 'owner name');
  let ttl: number | undefined;
  let haveClass = false;
  for (let k = 0; k < 2 && i < t.length; k++) {
    const tok = t[i];
    const upper = tok.text.toUpperCase();
    if (ttl === undefined && /^\d/.test(tok.text)) ttl = ttlToken(tok, st);
    else if (!haveClass && (CLASSES.has(upper) || /^CLASS\d+$/.test(upper))) {
      if (upper !== 'IN' && upper !== 'CLASS1') fail(st, tok, `class ${tok.text} is not supported (only IN)`);
      haveClass = true;
    } else break;
    i++;
  }
  const typeTok = t[i++];
  if (!typeTok) fail(st, e.line, 'record has no type');
  const type = typeTok.text.toUpperCase();
  const generic = /^TYPE(\d+)$/.exec(type);
  const supported = type in SUPPORTED_TYPES;
  if (generic && Object.values(SUPPORTED_TYPES).includes(Number(generic[1]))) {
    fail(st, typeTok, `generic type ${typeTok.text} is not supported: write it with its mnemonic`);
  }
  if (!supported && !generic && !OTHER_TYPES.has(type)) fail(st, typeTok, `unknown type "${typeTok.text}"`);
  // no $ORIGIN and no --origin: the zone's name is the (absolute) owner of its SOA
  if (type === 'SOA' && st.origin === undefined) st.origin = owner;
  const rd = t.slice(i);
  const parsed = supported ? rdata(type, rd, typeTok, st) : { data: rd.map((x) => (x.quoted ? `"${x.text}"` : x.text)).join(' ') };
  if (ttl !== undefined) st.lastTtl = ttl;
  else if (st.dollarTtl !== undefined) ttl = st.dollarTtl;
  else if (st.lastTtl !== undefined) ttl = st.lastTtl;
  else if (parsed.soa) {
    ttl = st.lastTtl = parsed.soa.minimum;
    out.warnings.push({ ...(st.file !== undefined && { file: st.file }), line: e.line, message: `no TTL and no $TTL: using the SOA minimum (${ttl}) as BIND does` });
  } else fail(st, e.line, 'record has no TTL and there is no $TTL before it');
  st.owner = owner;
  return { owner, ttl, type, data: parsed.data, supported, ...(parsed.soa && { soa: parsed.soa }), line: e.line };
}

/** Check the RDATA of a supported type; return it in presentation form with absolute names. */
function rdata(type: string, rd: Token[], typeTok: Token, st: State): { data: string; soa?: SoaData } {
  if (rd[0] && !rd[0].quoted && rd[0].text === '\\#') {
    fail(st, rd[0], `generic RDATA (\\#) is not supported for ${type}: write the data in its usual form`);
  }
  const count = ({ A: 1, AAAA: 1, NS: 1, CNAME: 1, PTR: 1, MX: 2, SRV: 4, CAA: 3, SOA: 7 } as Record<string, number>)[type];
  if (count !== undefined && rd.length !== count) {
    fail(st, rd[count] ?? typeTok, `${type} needs ${count} field${count > 1 ? 's' : ''}, found ${rd.length}`);
  }
  const name = (tok: Token) => toName(tok, st.origin, st);
  const int = (tok: Token, max: number, what: string) => {
    if (!/^\d+$/.test(tok.text) || Number(tok.text) > max) fail(st, tok, `bad ${what} "${tok.text}" (0-${max})`);
    return Number(tok.text);
  };
  const bytes = (tok: Token) => {
    const b = decodeCharString(tok.text);
    if (typeof b === 'string') fail(st, tok, b);
    if (b.length > 255) fail(st, tok, `character-string longer than 255 bytes (${b.length})`);
    return b;
  };
  switch (type) {
    case 'A':
    case 'AAAA':
      if (!(type === 'A' ? isIPv4 : isIPv6)(rd[0].text)) fail(st, rd[0], `"${rd[0].text}" is not an IPv${type === 'A' ? 4 : 6} address`);
      return { data: rd[0].text.toLowerCase() };
    case 'NS': case 'CNAME': case 'PTR':
      return { data: name(rd[0]) };
    case 'MX':
      return { data: `${int(rd[0], 65535, 'preference')} ${name(rd[1])}` };
    case 'SRV': {
      const [prio, weight, port] = ['priority', 'weight', 'port'].map((w, k) => int(rd[k], 65535, w));
      return { data: `${prio} ${weight} ${port} ${name(rd[3])}` };
    }
    case 'CAA':
      if (!/^[a-z0-9]+$/i.test(rd[1].text)) fail(st, rd[1], `bad CAA tag "${rd[1].text}"`);
      return { data: `${int(rd[0], 255, 'flags')} ${rd[1].text} ${quoteCharString(bytes(rd[2]))}` };
    case 'TXT':
      if (rd.length === 0) fail(st, typeTok, 'TXT needs at least one character-string');
      return { data: rd.map((tok) => quoteCharString(bytes(tok))).join(' ') };
    default: {
      const [mname, rname] = [name(rd[0]), name(rd[1])];
      const serial = int(rd[2], 2 ** 32 - 1, 'serial');
      const [refresh, retry, expire, minimum] = rd.slice(3).map((tok) => ttlToken(tok, st));
      const soa = { mname, rname, serial, refresh, retry, expire, minimum };
      return { data: `${mname} ${rname} ${serial} ${refresh} ${retry} ${expire} ${minimum}`, soa };
    }
  }
}
