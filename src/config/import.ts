/**
 * `meridian import`: an RFC 1035 master file (see masterfile.ts) → Meridian's YAML zone format.
 *
 * - `zone:` is --origin if given, else the owner of the SOA record.
 * - `ttl:` (the zone default) is the file's first `$TTL`; without one, the most common TTL in the
 *   file (ties: the one seen first). Records whose TTL differs get their own `ttl:`.
 * - The apex SOA becomes `soa:` (times in seconds); apex NS become `ns:` (Meridian serves them
 *   with the zone ttl, so a different TTL in the file is warned about).
 * - Every other record goes to `records:` in file order, the owner relative to the zone ("@" for
 *   the apex), the data in presentation form with absolute names.
 * - Skipped, each with a warning (returned, and listed in the YAML header): types Meridian does
 *   not serve (DNSKEY, RRSIG, DS…), names outside the zone (Meridian rejects them, as BIND
 *   ignores them), exact duplicates.
 * A missing SOA, an SOA away from the apex, or a second SOA is an error.
 */
import { Document, Scalar } from 'yaml';
import { formatProblem } from '../errors.js';
import { isAtOrBelow, parseName, wireToKey, wireToText } from '../wire/name.js';
import { masterfileError, parseMasterFile, type MasterRecord, type SoaData } from './masterfile.js';

export interface ImportOptions {
  /** zone origin (--origin); a missing trailing dot is added */
  origin?: string;
  /** file name, for the YAML header and error messages */
  file?: string;
}

export interface ImportResult {
  yaml: string;
  /** "FILE:LINE message" for every record skipped or questionable */
  warnings: string[];
}

interface OutRecord {
  name: string;
  type: string;
  data: string;
  ttl?: number;
}

export function masterFileToYaml(text: string, opts: ImportOptions = {}): string {
  return importMasterFile(text, opts).yaml;
}

export function importMasterFile(text: string, opts: ImportOptions = {}): ImportResult {
  const mf = parseMasterFile(text, opts);
  const problems = [...mf.warnings];
  const warn = (r: MasterRecord, message: string) => problems.push({ file: opts.file, line: r.line, message });

  const soaRecords = mf.records.filter((r) => r.type === 'SOA');
  if (soaRecords.length === 0) throw masterfileError('no SOA record: a zone needs one at its apex', opts.file);
  const apex = opts.origin ? wireToText(parseName(opts.origin.replace(/\.?$/, '.'))) : soaRecords[0].owner;
  const apexWire = parseName(apex);
  const apexKey = wireToKey(apexWire);
  const relative = (owner: string): string | undefined => {
    const wire = parseName(owner);
    const key = wireToKey(wire);
    if (key === apexKey) return '@';
    if (!isAtOrBelow(key, apexKey)) return undefined;
    return wireToText(Buffer.concat([wire.subarray(0, wire.length - apexWire.length), Buffer.from([0])])).slice(0, -1);
  };

  let soa: { data: SoaData; ttl: number } | undefined;
  const ns: MasterRecord[] = [];
  const kept: { rec: MasterRecord; name: string }[] = [];
  const seen = new Set<string>();
  for (const r of mf.records) {
    const name = relative(r.owner);
    if (r.type === 'SOA') {
      if (name !== '@') throw masterfileError(`SOA record for ${r.owner} is not at the zone apex ${apex}`, opts.file, r.line);
      if (soa) throw masterfileError('second SOA record (a zone has exactly one)', opts.file, r.line);
      soa = { data: r.soa!, ttl: r.ttl };
      continue;
    }
    if (name === undefined) {
      warn(r, `skipped ${r.type} at ${r.owner}: outside the zone ${apex}`);
      continue;
    }
    if (!r.supported) {
      warn(r, `skipped ${r.type} at ${name}: type not supported by Meridian`);
      continue;
    }
    const id = `${wireToKey(parseName(r.owner))} ${r.type} ${r.data}`;
    if (seen.has(id)) {
      warn(r, `skipped duplicate ${r.type} at ${name}`);
      continue;
    }
    seen.add(id);
    if (r.type === 'NS' && name === '@') ns.push(r);
    else kept.push({ rec: r, name });
  }
  if (!soa) throw new Error('unreachable: SOA checked above');

  const ttlSource = mf.ttlDirective !== undefined ? 'the $TTL of the file' : 'the most common TTL in the file';
  const ttl = mf.ttlDirective ?? mostCommon([soa.ttl, ...ns.map((r) => r.ttl), ...kept.map((k) => k.rec.ttl)]);
  const nsTtls = [...new Set(ns.map((r) => r.ttl))].filter((t) => t !== ttl);
  let nsComment: string | undefined;
  if (nsTtls.length) {
    nsComment = ` TTL ${nsTtls.join(', ')} in the file; Meridian serves apex NS with the zone ttl (${ttl})`;
    warn(ns.find((r) => r.ttl !== ttl)!, `apex NS${nsComment}`);
  }
  if (ns.length === 0) problems.push({ file: opts.file, message: 'no NS records at the zone apex' });
  // in file order; problems without a line (about the whole zone) last
  const warnings = problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)).map(formatProblem);

  const records: OutRecord[] = kept.map(({ rec, name }) => ({
    name,
    type: rec.type,
    data: rec.data,
    ...(rec.ttl !== ttl && { ttl: rec.ttl }),
  }));
  const header = [
    ` Imported by \`meridian import\`${opts.file ? ` from ${opts.file}` : ''}.`,
    ` Default ttl: ${ttlSource}; names relative to the zone, record data with absolute names.`,
    ...(warnings.length ? [' Warnings:', ...warnings.map((w) => `   ${w}`)] : []),
  ];
  const yaml = emit(apex, ttl, { ...soa.data, ...(soa.ttl !== ttl && { ttl: soa.ttl }) }, ns.map((r) => r.data), nsComment, records, header);
  return { yaml, warnings };
}

function mostCommon(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0];
  for (const [v, n] of counts) if (n > counts.get(best)!) best = v;
  return best;
}

/** Build the YAML document: flow style per SOA, NS list and record, one line each. */
function emit(
  zone: string,
  ttl: number,
  soa: SoaData & { ttl?: number },
  ns: string[],
  nsComment: string | undefined,
  records: OutRecord[],
  header: string[],
): string {
  const doc = new Document();
  doc.commentBefore = header.join('\n');
  const soaNode = doc.createNode(soa);
  soaNode.flow = true;
  const nsNode = doc.createNode(ns);
  nsNode.flow = true;
  if (nsComment) nsNode.comment = nsComment;
  const list = records.map((r) => {
    const node = doc.createNode(r);
    node.flow = true;
    const data = node.get('data', true) as Scalar;
    // quote data with spaces so it reads as one value; TXT/CAA (with ") in single quotes
    if (r.data.includes('"')) data.type = Scalar.QUOTE_SINGLE;
    else if (r.data.includes(' ')) data.type = Scalar.QUOTE_DOUBLE;
    return node;
  });
  doc.contents = doc.createNode({ zone, ttl, soa: soaNode, ns: nsNode, records: list });
  return doc.toString({ lineWidth: 0 });
}
