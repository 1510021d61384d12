/**
 * Ask a test server with real DNS clients and read their answer as data.
 *
 *   const r = await dig(port, 'www.lb.example.test A +norec +subnet=192.0.2.0/24');
 *   expect(r.status).toBe('NOERROR');
 *   expect(r.answer).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
 *   expect(r.edns?.options['CLIENT-SUBNET']).toBe('192.0.2.0/24/24');
 *
 * `dig` (bind9-dnsutils) and `kdig` (knot-dnsutils) run through execFile, never a shell, against
 * @127.0.0.1 -p PORT. Their text is parsed by `parseDigOutput`, which understands both formats.
 * Records are normalised to single-space presentation format; quoted strings are kept verbatim.
 * Wrap tests in `describeWith('dig', …)` (test/helpers/tools.ts) so they skip when dig is absent.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { TOOLS } from '../global-setup.js';

export type Rcode =
  | 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'YXDOMAIN'
  | 'YXRRSET' | 'NXRRSET' | 'NOTAUTH' | 'NOTZONE' | 'BADVERS' | 'BADCOOKIE' | (string & {});
export type HeaderFlag = 'qr' | 'aa' | 'tc' | 'rd' | 'ra' | 'ad' | 'cd' | (string & {});

export interface Edns {
  version: number;
  /** advertised UDP payload size */
  udp: number;
  /** EDNS flags, e.g. "do" */
  flags: Set<string>;
  /**
   * Options by name as the tools print them: "CLIENT-SUBNET" → "192.0.2.0/24/24", "NSID" → the
   * NSID as text ("meridian-1"), "COOKIE", "EDE", … Unknown codes are "OPT=65001" → lowercase hex.
   */
  options: Record<string, string>;
}

export interface DnsMessage {
  /** "query" for messages printed because of +qr, otherwise "response" */
  kind: 'query' | 'response';
  opcode: string;
  status: Rcode;
  id: number;
  flags: Set<HeaderFlag>;
  /** header counts (for UPDATE: zone, prerequisite, update, additional) */
  counts: { query: number; answer: number; authority: number; additional: number };
  /** "www.lb.example.test. IN A" */
  question: string[];
  /** "www.lb.example.test. 30 IN A 192.0.2.10" */
  answer: string[];
  authority: string[];
  /** without the OPT record, which is in `edns` */
  additional: string[];
  edns?: Edns;
  /** transport the answer came over: "UDP" or "TCP" (after a TC retry, TCP) */
  protocol?: string;
  /** size of the message in bytes, as reported */
  size?: number;
}

export interface DigResult extends DnsMessage {
  tool: 'dig' | 'kdig';
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** every response printed; the top-level fields are those of responses[0] */
  responses: DnsMessage[];
  /** queries printed because of +qr */
  queries: DnsMessage[];
  /** WARNING / ERROR lines from either stream, e.g. "Message has 3 extra bytes at end" */
  warnings: string[];
}

/** The tool ran but printed no response (timeout, connection refused, bad arguments…). */
export class DigError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'refused' | 'failed',
    readonly tool: 'dig' | 'kdig',
    readonly argv: string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'DigError';
  }
}

export interface DigOptions {
  /** server address; default 127.0.0.1 */
  server?: string;
  /** kill the tool after this long; default 15 s */
  killAfterMs?: number;
}

type Args = string | readonly string[];

/** Flags that change the output format; the parser needs the default layout. */
const UNPARSEABLE = ['+short', '+multi', '+yaml', '+json', '+noall', '+nocomments', '+noheader'];

/** dig: no ~/.digrc (-r), no COOKIE option, one 2 s try. Caller args come last and win. */
export async function dig(port: number, args: Args, opts: DigOptions = {}): Promise<DigResult> {
  const server = opts.server ?? '127.0.0.1';
  return run('dig', ['-r', `@${server}`, '-p', String(port), '+nocookie', '+time=2', '+tries=1', ...split(args)], opts);
}

/** kdig: one 2 s try, no retries. Caller args come last and win. */
export async function kdig(port: number, args: Args, opts: DigOptions = {}): Promise<DigResult> {
  const server = opts.server ?? '127.0.0.1';
  return run('kdig', [`@${server}`, '-p', String(port), '+time=2', '+retry=0', ...split(args)], opts);
}

function split(args: Args): string[] {
  const list = typeof args === 'string' ? args.split(/\s+/).filter(Boolean) : [...args];
  const bad = list.find((a) => UNPARSEABLE.some((u) => a.startsWith(u)));
  if (bad) throw new Error(`dig helper: ${bad} changes the output format and cannot be parsed`);
  return list;
}

function run(tool: 'dig' | 'kdig', argv: string[], opts: DigOptions): Promise<DigResult> {
  const env = { ...process.env, LC_ALL: 'C' };
  const options = { env, timeout: opts.killAfterMs ?? 15_000, maxBuffer: 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    execFile(tool, argv, options, (err, stdout, stderr) => {
      const code = (err as ExecFileException | null)?.code;
      if (code === 'ENOENT') {
        return reject(new Error(`${tool} not found: install Debian package ${TOOLS[tool]}`));
      }
      const exitCode = typeof code === 'number' ? code : err ? -1 : 0;
      const parsed = parseDigOutput(stdout);
      const warnings = [...parsed.warnings, ...parseDigOutput(stderr).warnings];
      const first = parsed.responses[0];
      if (!first) {
        const text = `${stderr}\n${stdout}`;
        const reason = /timed out|timeout/i.test(text) ? 'timeout'
          : /refused|can't connect/i.test(text) ? 'refused' : 'failed';
        const why = text.split('\n').filter((l) => /error|warning|refused|reached|timed out/i.test(l)).join('; ');
        const message = `${tool} ${argv.join(' ')}: no response (${reason}, exit ${exitCode}) ${why || err?.message || ''}`;
        return reject(new DigError(message.trim(), reason, tool, argv, exitCode, stdout, stderr));
      }
      resolve({ ...first, tool, argv, exitCode, stdout, stderr, ...parsed, warnings });
    });
  });
}

/** Parse the full text output of dig or kdig (any number of messages). */
export function parseDigOutput(text: string): {
  responses: DnsMessage[];
  queries: DnsMessage[];
  warnings: string[];
} {
  const messages: DnsMessage[] = [];
  const warnings: string[] = [];
  let msg: DnsMessage | undefined;
  let section: keyof typeof SECTIONS | undefined;
  let nextIsQuery = false;

  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const header = /->>HEADER<<-\s*opcode:\s*([\w-]+)[,;]\s*status:\s*([\w-]+)[,;]\s*id:\s*(\d+)/.exec(line);
    if (header) {
      msg = emptyMessage(nextIsQuery ? 'query' : 'response', header[1], header[2], Number(header[3]));
      messages.push(msg);
      nextIsQuery = false;
      section = undefined;
      continue;
    }
    const warning = /^;;\s*(?:WARNING|Warning|ERROR|Error):?\s*(.*)$/.exec(line);
    if (warning) {
      warnings.push(warning[1]);
      continue;
    }
    if (/^;; Sending:/.test(line)) nextIsQuery = true;
    if (!msg) continue;
    if (line === '') {
      section = undefined;
      continue;
    }
    const sectionHeader = /^;; ([A-Z]+) (?:SECTION|PSEUDOSECTION):$/.exec(line);
    if (sectionHeader) {
      section = sectionHeader[1] in SECTIONS ? (sectionHeader[1] as keyof typeof SECTIONS) : undefined;
      continue;
    }
    if (section) parseSectionLine(msg, SECTIONS[section], line);
    else parseHeaderOrFooter(msg, line);
  }
  return {
    responses: messages.filter((m) => m.kind === 'response'),
    queries: messages.filter((m) => m.kind === 'query'),
    warnings,
  };
}

/** Section titles of both tools (UPDATE messages use ZONE / PREREQUISITE / UPDATE). */
const SECTIONS = {
  QUESTION: 'question', ZONE: 'question',
  ANSWER: 'answer', PREREQUISITE: 'answer',
  AUTHORITY: 'authority', UPDATE: 'authority',
  ADDITIONAL: 'additional',
  OPT: 'edns', EDNS: 'edns',
} as const;

function emptyMessage(kind: DnsMessage['kind'], opcode: string, status: string, id: number): DnsMessage {
  return {
    kind, opcode, status, id, flags: new Set(),
    counts: { query: 0, answer: 0, authority: 0, additional: 0 },
    question: [], answer: [], authority: [], additional: [],
  };
}

const COUNT_KEYS: Record<string, keyof DnsMessage['counts']> = {
  QUERY: 'query', ZONE: 'query', ANSWER: 'answer', PREREQ: 'answer',
  AUTHORITY: 'authority', UPDATE: 'authority', ADDITIONAL: 'additional',
};

function parseHeaderOrFooter(msg: DnsMessage, line: string): void {
  const flags = /^;; [Ff]lags:([^;]*);(.*)$/.exec(line);
  if (flags) {
    msg.flags = new Set(flags[1].trim().split(/\s+/).filter(Boolean));
    for (const [, key, n] of flags[2].matchAll(/([A-Z]+): (\d+)/g)) {
      if (COUNT_KEYS[key]) msg.counts[COUNT_KEYS[key]] = Number(n);
    }
    return;
  }
  const size = /^;; (?:MSG SIZE\s+rcvd:|Received) (\d+)/.exec(line);
  if (size) msg.size = Number(size[1]);
  const protocol = /^;; (?:SERVER: .*\((\w+)\)$|From \S+\((\w+)\))/.exec(line);
  if (protocol) msg.protocol = protocol[1] ?? protocol[2];
  if (/^;; (?:Sent \d+ B|To \S+)/.test(line)) msg.kind = 'query';
}

function parseSectionLine(msg: DnsMessage, section: (typeof SECTIONS)[keyof typeof SECTIONS], line: string): void {
  if (section === 'edns') return parseEdnsLine(msg, line);
  if (section === 'question') {
    msg.question.push(normalizeRecord(line.replace(/^;+\s*/, '')));
    return;
  }
  if (line.startsWith(';')) return;
  msg[section].push(normalizeRecord(line));
}

function parseEdnsLine(msg: DnsMessage, line: string): void {
  const version =
    /^; EDNS: version: (\d+), flags:([^;]*);(?: MBZ: \S+;)? udp: (\d+)/.exec(line) ??
    /^;; Version: (\d+); flags:([^;]*); UDP size: (\d+) B/.exec(line);
  if (version) {
    const flags = new Set(version[2].trim().split(/\s+/).filter(Boolean));
    msg.edns = { version: Number(version[1]), udp: Number(version[3]), flags, options: {} };
    return;
  }
  const option = /^;;? ([^:]+):\s?(.*)$/.exec(line);
  if (!option || !msg.edns) return;
  const [name, value] = normalizeOption(option[1], option[2]);
  msg.edns.options[name] = value;
}

/** Same key and value from both tools for NSID and unknown options; others as printed. */
function normalizeOption(name: string, value: string): [string, string] {
  const unknown = /^Option \((\d+)\)$/.exec(name);
  if (unknown) return [`OPT=${unknown[1]}`, value.replace(/\s+/g, '').toLowerCase()];
  if (name.startsWith('OPT=')) return [name, value.replace(/\s*\(".*"\)$/, '').replace(/\s+/g, '').toLowerCase()];
  if (name === 'NSID') {
    const text = /"(.*)"\)?$/.exec(value);
    return [name, text ? text[1] : value.replace(/\s+/g, '').toLowerCase()];
  }
  return [name, value];
}

/** Collapse whitespace between fields to one space; keep "quoted strings" exactly. */
export function normalizeRecord(line: string): string {
  return (line.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? []).join(' ');
}

/** Split a normalised record "name ttl class type rdata…" into its fields. */
export function splitRecord(rr: string): { name: string; ttl: number; class: string; type: string; data: string } {
  const m = /^(\S+) (\d+) (\S+) (\S+) ?(.*)$/.exec(rr);
  if (!m) throw new Error(`not a record line: ${rr}`);
  return { name: m[1], ttl: Number(m[2]), class: m[3], type: m[4], data: m[5] };
}
