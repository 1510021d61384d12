/**
 * Aggregating dnsperf runs into per-scenario figures, the goals, and the text / Markdown tables.
 *
 * Per scenario and server, over the rounds: QPS is the median of the rounds (robust to one noisy
 * round; mean, min and max are kept in the JSON), mean latency is weighted by answered queries,
 * worst latency is the max of the rounds, lost queries are summed, CPU % is the server
 * process's user+system time over the run time (100% = one core busy).
 */

export const GOALS = {
  /** Meridian/Knot QPS on the static mix */
  staticRatio: 0.6,
  /** balanced QPS / Meridian's QPS on one static A name (static-a): at most 15% slower */
  balancedVsStatic: 0.85,
  /** 1,000-member pool QPS / 3-member pool QPS: "not slower", with 5% allowed for noise */
  bigVsSmall: 0.95,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const meanOf = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
};

export function aggregate(runs) {
  if (runs.length === 0) return undefined;
  const qps = runs.map((r) => r.qps);
  const completed = runs.reduce((s, r) => s + r.completed, 0);
  const sent = runs.reduce((s, r) => s + r.sent, 0);
  const lost = runs.reduce((s, r) => s + r.lost, 0);
  const meanLatency =
    completed > 0 ? runs.reduce((s, r) => s + r.latency.mean * r.completed, 0) / completed : NaN;
  const cpuSeconds = runs.reduce((s, r) => s + (r.cpuSeconds ?? 0), 0);
  const runTime = runs.reduce((s, r) => s + r.runTime, 0);
  const rcodes = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.rcodes)) rcodes[k] = (rcodes[k] ?? 0) + v;
  return {
    rounds: runs.length,
    qps: median(qps),
    qpsMean: qps.reduce((a, b) => a + b, 0) / qps.length,
    qpsMin: Math.min(...qps),
    qpsMax: Math.max(...qps),
    latencyMeanMs: meanLatency * 1000,
    latencyMaxMs: Math.max(...runs.map((r) => r.latency.max)) * 1000,
    sent,
    completed,
    lost,
    lostPercent: sent > 0 ? (100 * lost) / sent : 0,
    cpuPercent: runTime > 0 ? (100 * cpuSeconds) / runTime : NaN,
    cpuMicrosPerQuery: completed > 0 ? (1e6 * cpuSeconds) / completed : NaN,
    dnsperfCpuPercent: meanOf(runs.map((r) => r.dnsperfCpuPercent)),
    otherCpuPercent: meanOf(runs.map((r) => r.otherCpuPercent)),
    rcodes,
  };
}

/** Builds the summary rows: one per scenario, Knot and Meridian side by side, ratio and goals. */
export function summarize(scenarios, runs) {
  const pick = (scenario, server) => aggregate(runs.filter((r) => r.scenario === scenario && r.server === server));
  const rows = scenarios.map((sc) => {
    const knot = pick(sc.id, 'knot');
    const meridian = pick(sc.id, 'meridian');
    const ratio = knot && meridian ? meridian.qps / knot.qps : undefined;
    return { scenario: sc.id, title: sc.title, group: sc.group, algorithm: sc.algorithm, size: sc.size, expect: sc.expect, knot, meridian, ratio, goals: [] };
  });
  const byId = new Map(rows.map((r) => [r.scenario, r]));
  const baseline = byId.get('static-a')?.meridian;
  // Each goal is judged on QPS (what was asked) and also given as the same ratio of CPU time per
  // query (other ÷ this, so that > 1 still means "better"): when the machine is shared the server
  // gets less than a core and QPS falls with it, CPU per query much less.
  const cpuRatio = (a, b) => (a && b && a.cpuMicrosPerQuery > 0 && b.cpuMicrosPerQuery > 0 ? b.cpuMicrosPerQuery / a.cpuMicrosPerQuery : undefined);
  for (const row of rows) {
    const m = row.meridian;
    if (!m) continue;
    if (row.scenario === 'static' && row.ratio !== undefined) {
      row.goals.push({ text: `M/K ≥ ${GOALS.staticRatio.toFixed(2)}`, value: row.ratio, cpuValue: cpuRatio(m, row.knot), met: row.ratio >= GOALS.staticRatio });
    }
    if (row.group === 'balanced' && row.algorithm && baseline) {
      const v = m.qps / baseline.qps;
      row.goals.push({ text: `vs static-a ≥ ${GOALS.balancedVsStatic.toFixed(2)}`, value: v, cpuValue: cpuRatio(m, baseline), met: v >= GOALS.balancedVsStatic });
    }
    if (row.group === 'balanced' && row.size === 1000) {
      const small = byId.get(row.scenario.replace(/1000$/, '3'))?.meridian;
      if (small) {
        const v = m.qps / small.qps;
        row.goals.push({ text: `vs 3 members ≥ ${GOALS.bigVsSmall.toFixed(2)}`, value: v, cpuValue: cpuRatio(m, small), met: v >= GOALS.bigVsSmall });
      }
    }
    // answers other than the expected rcode mean the run measured errors, not service
    for (const [server, agg] of [['Knot', row.knot], ['Meridian', row.meridian]]) {
      if (!agg) continue;
      const other = Object.entries(agg.rcodes).filter(([k]) => k !== row.expect);
      if (other.length > 0) row.warning = `${server} answered ${other.map(([k, v]) => `${k} ×${v}`).join(', ')}`;
    }
  }
  return rows;
}

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fmtMs = (n) => (Number.isFinite(n) ? (n >= 10 ? n.toFixed(1) : n.toFixed(3)) : '—');
const fmtPct = (n) => (Number.isFinite(n) ? `${Math.round(n)}%` : '—');
const fmtUs = (n) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const fmtRatio = (n) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));
const fmtLost = (a) => (a ? (a.lost === 0 ? '0' : `${fmtInt(a.lost)} (${a.lostPercent.toFixed(2)}%)`) : '—');
// rounded down, so that a value shown as 0.95 never "misses" a 0.95 goal
const floor2 = (v) => (Math.floor(v * 100 + 1e-9) / 100).toFixed(2);
const fmtGoals = (row, ok, miss) =>
  row.goals
    .map((g) => `${g.text}: ${floor2(g.value)} ${g.met ? ok : miss}${g.cpuValue !== undefined ? ` (by CPU/query ${g.cpuValue.toFixed(2)})` : ''}`)
    .join('; ') +
  (row.warning ? `${row.goals.length ? '; ' : ''}${row.warning}` : '');

const COLUMNS = [
  'scenario',
  'Knot qps',
  'Meridian qps',
  'M/K',
  'Knot ms mean / max',
  'Meridian ms mean / max',
  'lost K / M',
  'CPU K / M',
  'µs CPU/query K / M',
  'goals',
];

function cells(row, ok, miss) {
  const k = row.knot;
  const m = row.meridian;
  return [
    row.scenario,
    fmtInt(k?.qps),
    fmtInt(m?.qps),
    fmtRatio(row.ratio),
    k ? `${fmtMs(k.latencyMeanMs)} / ${fmtMs(k.latencyMaxMs)}` : '—',
    m ? `${fmtMs(m.latencyMeanMs)} / ${fmtMs(m.latencyMaxMs)}` : '—',
    `${fmtLost(k)} / ${fmtLost(m)}`,
    `${fmtPct(k?.cpuPercent)} / ${fmtPct(m?.cpuPercent)}`,
    `${fmtUs(k?.cpuMicrosPerQuery)} / ${fmtUs(m?.cpuMicrosPerQuery)}`,
    fmtGoals(row, ok, miss),
  ];
}

export function textTable(rows) {
  const data = [COLUMNS, ...rows.map((r) => cells(r, 'ok', 'MISSED'))];
  const widths = COLUMNS.map((_, i) => Math.max(...data.map((d) => d[i].length)));
  const right = new Set([1, 2, 3]);
  const line = (d) =>
    d.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(data[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...data.slice(1).map(line)].join('\n');
}

export function markdownTable(rows) {
  const esc = (s) => s.replace(/\|/g, '\\|');
  const out = [`| ${COLUMNS.join(' | ')} |`, `| ${COLUMNS.map((_, i) => ([1, 2, 3].includes(i) ? '---:' : '---')).join(' | ')} |`];
  for (const r of rows) out.push(`| ${cells(r, '✅', '❌').map(esc).join(' | ')} |`);
  return out.join('\n');
}

export function describeSetup(meta) {
  const c = meta.config;
  const lines = [
    `date: ${meta.date}; machine: ${meta.machine.cpus} × ${meta.machine.cpuModel}, ${meta.machine.memGiB} GiB, ${meta.machine.os}`,
    `rounds: ${c.rounds} × ${c.duration} s per scenario and server (after ${c.warmup} s warm-up), interleaved Knot then Meridian` +
      (c.nice ? `; servers and dnsperf at nice ${c.nice}` : ''),
    `load: ${meta.dnsperf.version}, ${meta.dnsperf.args}`,
    `other processes during the runs: ${Math.round(meta.otherCpuPercent.mean)}% CPU on average; ` +
      (meta.otherCpuPercent.noisyRuns > 0
        ? `${meta.otherCpuPercent.noisyRuns} of ${meta.otherCpuPercent.runs} runs overlapped other work (over 10% CPU, at most ${Math.round(meta.otherCpuPercent.max)}%)` +
          (meta.otherCpuPercent.mean > 10 ? ': the machine was busy, figures are noisy, rerun' : ': the medians absorb a few such runs')
        : 'no run overlapped other work') +
      ` (load average before start ${meta.loadavg.start.toFixed(2)})`,
  ];
  if (meta.servers.knot) {
    const k = meta.servers.knot;
    lines.push(
      `Knot: ${k.version ?? 'knotd'}, defaults: ${k.udpWorkers} UDP workers, ${k.tcpWorkers} TCP workers, ` +
        `${k.backgroundWorkers} background workers (${k.osThreads} OS threads)`,
    );
  }
  if (meta.servers.meridian) {
    const m = meta.servers.meridian;
    lines.push(`Meridian: node ${m.node}, 1 JavaScript thread (${m.osThreads} OS threads incl. V8/libuv helpers)`);
  }
  return lines;
}

export function markdownReport(meta, rows) {
  const lines = ['# Meridian vs Knot DNS: benchmark results', ''];
  lines.push('Written by `node bench/run.mjs`; see docs/benchmark.md for how to read it.', '');
  for (const l of describeSetup(meta)) lines.push(`- ${l}`);
  lines.push('', markdownTable(rows), '');
  lines.push(
    'QPS: median of the rounds. Latency: dnsperf client-side, mean weighted over answered queries, max over all rounds. ' +
      'CPU: server process user+system time / run time (100% = one core); µs CPU/query: that time / answered queries. ' +
      'Balanced scenarios: Knot serves the same name as one static A record, so M/K is the cost of balancing plus the static gap. ' +
      'Goals are judged on QPS; "by CPU/query" is the same ratio computed from CPU time per query, steadier when other processes share the machine.',
    '',
  );
  return lines.join('\n');
}
