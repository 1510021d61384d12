/**
 * Pure parsers for the load figures members publish: each takes the text (or document) a load
 * probe fetched and returns one number, the member's current connections, or throws an Error that
 * says what was missing. No I/O here; `readLoad` (read.ts) fetches and picks the parser.
 */

// ------------------------------------------------------------------------------- nginx stub_status

/**
 * nginx `stub_status`: the figure after "Active connections:".
 *
 *   Active connections: 291
 *   server accepts handled requests
 *    16630948 16630948 31070465
 *   Reading: 6 Writing: 179 Waiting: 106
 */
export function parseNginxStubStatus(text: string): number {
  const m = /^\s*Active connections:\s*(\d+)\s*$/m.exec(text);
  if (!m) throw new Error(`not nginx stub_status output: no "Active connections: N" line in ${preview(text)}`);
  return Number(m[1]);
}

// ------------------------------------------------------------------------------- HAProxy CSV

/**
 * HAProxy statistics CSV (`show stat`, or the stats page with `;csv`): the `scur` (current
 * sessions) of the row whose pxname is `proxy` and svname is `server` (FRONTEND, BACKEND or a
 * server name). The header is the first line, starting with "# pxname,svname,…".
 */
export function parseHaproxyCsv(text: string, proxy: string, server = 'FRONTEND'): number {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.startsWith('#'));
  if (headerAt < 0) throw new Error(`not HAProxy CSV: no header line "# pxname,svname,…" in ${preview(text)}`);
  const columns = lines[headerAt].replace(/^#\s*/, '').split(',');
  const col = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`HAProxy CSV header has no "${name}" column`);
    return i;
  };
  const [px, sv, scur] = [col('pxname'), col('svname'), col('scur')];
  const seen: string[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split(',');
    if (fields[px] !== proxy) {
      if (!seen.includes(fields[px])) seen.push(fields[px]);
      continue;
    }
    if (fields[sv] !== server) continue;
    const value = fields[scur]?.trim() ?? '';
    if (!/^\d+$/.test(value)) throw new Error(`HAProxy CSV ${proxy}/${server}: scur is ${value === '' ? 'empty' : JSON.stringify(value)}, not a count`);
    return Number(value);
  }
  const others = seen.length ? ` (proxies: ${seen.slice(0, 10).join(', ')}${seen.length > 10 ? ', …' : ''})` : '';
  throw new Error(`HAProxy CSV has no row for proxy "${proxy}" server "${server}"${others}`);
}

// ------------------------------------------------------------------------------- JSON

/**
 * A number at a dotted path in a parsed JSON document: "stats.active", "servers.0.conns" (a
 * numeric segment indexes an array). A string holding a plain decimal number is accepted too.
 */
export function readJsonField(doc: unknown, path: string): number {
  const segments = path === '' ? [] : path.split('.');
  let here: unknown = doc;
  for (const [i, seg] of segments.entries()) {
    const at = segments.slice(0, i).join('.') || '(top)';
    if (Array.isArray(here) && /^\d+$/.test(seg) && Number(seg) < here.length) here = here[Number(seg)];
    else if (here !== null && typeof here === 'object' && !Array.isArray(here) && Object.hasOwn(here, seg)) here = (here as Record<string, unknown>)[seg];
    else throw new Error(`JSON field "${path}" not found: no "${seg}" in ${kindOf(here)} at ${at}`);
  }
  if (typeof here === 'number' && Number.isFinite(here)) return here;
  if (typeof here === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(here)) return Number(here);
  const shown = JSON.stringify(here) ?? String(here);
  throw new Error(`JSON field "${path}" is not a number: ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array[${v.length}]`;
  return typeof v;
}

// ------------------------------------------------------------------------------- Prometheus

/** One sample line of the Prometheus text exposition format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The value of gauge `metric` in a Prometheus text exposition, among series whose labels include
 * every `labels` pair. The name must match exactly (`nginx_connections_active` does not match
 * `nginx_connections_active_total`). When several series match (one per worker, per server) their
 * values are summed. HELP, TYPE and other comment lines are skipped, as are timestamps.
 */
export function parsePrometheusGauge(text: string, metric: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  let sum = 0;
  let matched = 0;
  const others: string[] = [];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const sample = parsePromLine(trimmed);
    if (!sample) {
      if (nameOf(trimmed) === metric) throw new Error(`Prometheus line ${n + 1} for "${metric}" is malformed: ${preview(trimmed, 80)}`);
      continue;
    }
    if (sample.name !== metric) continue;
    if (!wanted.every(([k, v]) => sample.labels[k] === v)) {
      others.push(formatSeries(sample.name, sample.labels));
      continue;
    }
    if (!Number.isFinite(sample.value)) throw new Error(`Prometheus ${formatSeries(metric, sample.labels)} is ${sample.value}, not a count`);
    sum += sample.value;
    matched++;
  }
  if (matched > 0) return sum;
  if (others.length === 0) throw new Error(`Prometheus metric "${metric}" not found`);
  const shown = others.slice(0, 5).join(', ') + (others.length > 5 ? ', …' : '');
  throw new Error(`Prometheus metric "${metric}" has no series with ${formatSeries('', labels)} (seen: ${shown})`);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function nameOf(line: string): string | undefined {
  return NAME.exec(line)?.[0];
}

/** `name{a="1",b="x\"y"} 12.5 1700000000000` → sample; undefined if the line is not one. */
export function parsePromLine(line: string): PromSample | undefined {
  const name = nameOf(line);
  if (!name) return undefined;
  let i = name.length;
  if (line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') return undefined;
  const labels: Record<string, string> = {};
  const skipSpace = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  skipSpace();
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipSpace();
      if (line[i] === '}') break;
      const label = LABEL.exec(line.slice(i))?.[0];
      if (!label) return undefined;
      i += label.length;
      skipSpace();
      if (line[i] !== '=') return undefined;
      i++;
      skipSpace();
      if (line[i] !== '"') return undefined;
      i++;
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : e ?? '';
        } else value += c;
      }
      labels[label] = value;
      skipSpace();
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return undefined;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length > 2 || rest[0] === '') return undefined;
  const value = promNumber(rest[0]);
  return value === undefined ? undefined : { name, labels, value };
}

function promNumber(s: string): number | undefined {
  if (/^[+]?Inf$/i.test(s)) return Infinity;
  if (/^-Inf$/i.test(s)) return -Infinity;
  if (/^NaN$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

function formatSeries(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${pairs.join(',')}}`;
}

function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'an empty body';
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
