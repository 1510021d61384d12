/**
 * Running dnsperf (DNS-OARC, Debian package `dnsperf`) and reading its summary.
 *
 * dnsperf is a closed loop: each of `clients` UDP sockets keeps queries in flight up to
 * `outstanding` in total, and a query that gets no answer holds its slot until `timeout`
 * seconds pass. A burst bigger than the server's socket buffer (~200 KiB by default, a few
 * hundred small datagrams) is therefore doubly bad: the dropped queries count as lost and their
 * slots sit idle; with -q 500 against Knot we saw a whole run stall on its first burst. The
 * defaults below (10 clients, 100 outstanding, 1 s timeout) saturate a single-threaded server
 * and Knot on this 2-core machine without losses.
 */
import { runCommand } from './proc.mjs';

export const DNSPERF_DEFAULTS = { clients: 10, outstanding: 100, timeout: 1, threads: undefined };

export function dnsperfArgs({ host, port, file, seconds, clients, outstanding, timeout, threads }) {
  const args = ['-s', host, '-p', String(port), '-d', file, '-l', String(seconds)];
  args.push('-c', String(clients), '-q', String(outstanding), '-t', String(timeout));
  if (threads) args.push('-T', String(threads));
  // Without this, every lost query prints a line ("[Timeout] Query timed out: msg id …").
  args.push('-O', 'suppress=timeouts,congestion,sendfailed,sockready,unexpected');
  return args;
}

/** Runs dnsperf; resolves the parsed summary (throws if it fails or prints no summary). */
export async function runDnsperf(opts) {
  const args = dnsperfArgs(opts);
  const res = await runCommand('dnsperf', args, { measured: true });
  if (res.error) throw new Error(`could not run dnsperf: ${res.error.message} (apt-get install dnsperf)`);
  let parsed;
  try {
    parsed = parseDnsperf(res.stdout);
  } catch (err) {
    throw new Error(
      `dnsperf ${args.join(' ')} failed (code ${res.code}, signal ${res.signal}): ${err.message}\n${res.stdout}\n${res.stderr}`,
    );
  }
  return { ...parsed, command: `dnsperf ${args.join(' ')}`, dnsperfCpuSeconds: res.cpuSeconds };
}

const num = (s) => Number(s.replace(/,/g, ''));

/**
 * Parses the "Statistics:" block dnsperf prints at the end, e.g.
 *
 *   Queries sent:         378604
 *   Queries completed:    378346 (99.93%)
 *   Queries lost:         258 (0.07%)
 *   Response codes:       NOERROR 189159 (50.00%), NXDOMAIN 189187 (50.00%)
 *   Run time (s):         3.000658
 *   Queries per second:   126087.678103
 *   Average Latency (s):  0.000681 (min 0.000011, max 0.004234)
 *   Latency StdDev (s):   0.000655
 *
 * Latencies are returned in seconds, as dnsperf prints them. Max latency covers answered
 * queries only; a lost query shows up in `lost`, not in the latency figures.
 */
export function parseDnsperf(text) {
  const field = (label) => {
    const m = new RegExp(`^\\s*${label}:\\s*(.+)$`, 'm').exec(text);
    return m ? m[1].trim() : undefined;
  };
  const sent = field('Queries sent');
  const qps = field('Queries per second');
  if (sent === undefined || qps === undefined) throw new Error('no dnsperf statistics in output');
  const out = {
    sent: num(sent),
    completed: num(/^[\d,]+/.exec(field('Queries completed') ?? '0')[0]),
    lost: num(/^[\d,]+/.exec(field('Queries lost') ?? '0')[0]),
    interrupted: field('Queries interrupted') ? num(/^[\d,]+/.exec(field('Queries interrupted'))[0]) : 0,
    runTime: num(field('Run time \\(s\\)') ?? 'NaN'),
    qps: num(qps),
    rcodes: {},
    latency: { mean: NaN, min: NaN, max: NaN, stddev: NaN },
  };
  const codes = field('Response codes');
  if (codes) {
    for (const m of codes.matchAll(/([A-Z][A-Z0-9]*)\s+(\d+)\s+\(/g)) out.rcodes[m[1]] = Number(m[2]);
  }
  const lat = field('Average Latency \\(s\\)');
  if (lat) {
    const m = /^([\d.]+)\s*\(min\s+([\d.]+),\s*max\s+([\d.]+)\)/.exec(lat);
    if (m) out.latency = { ...out.latency, mean: Number(m[1]), min: Number(m[2]), max: Number(m[3]) };
    else out.latency.mean = Number(lat.split(/\s/)[0]);
  }
  const sd = field('Latency StdDev \\(s\\)');
  if (sd) out.latency.stddev = Number(sd.split(/\s/)[0]);
  return out;
}
