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
  /** health group (issue 4): qps with 2,000 members probed every second / qps with --no-health: drop under 10% */
  healthDropPercent: 10,
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
    Object.keys(meta.servers).length
      ? `rounds: ${c.rounds} × ${c.duration} s per scenario and server (after ${c.warmup} s warm-up), interleaved Knot then Meridian` +
        (c.nice ? `; servers and dnsperf at nice ${c.nice}` : '')
      : c.nice
        ? `servers and dnsperf at nice ${c.nice}`
        : '',
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
  } else if (meta.health) {
    lines.push(`Meridian: node ${meta.health.node}, 1 JavaScript thread`);
  }
  return lines.filter(Boolean);
}

export function markdownReport(meta, rows, health) {
  const lines = ['# Meridian vs Knot DNS: benchmark results', ''];
  lines.push('Written by `node bench/run.mjs`; see docs/benchmark.md for how to read it.', '');
  for (const l of describeSetup(meta)) lines.push(`- ${l}`);
  if (rows.length) {
    lines.push('', markdownTable(rows), '');
    lines.push(
      'QPS: median of the rounds. Latency: dnsperf client-side, mean weighted over answered queries, max over all rounds. ' +
        'CPU: server process user+system time / run time (100% = one core); µs CPU/query: that time / answered queries. ' +
        'Balanced scenarios: Knot serves the same name as one static A record, so M/K is the cost of balancing plus the static gap. ' +
        'Goals are judged on QPS; "by CPU/query" is the same ratio computed from CPU time per query, steadier when other processes share the machine.',
      '',
    );
  } else {
    lines.push('');
  }
  if (health && meta.health) {
    lines.push(`## Health checking: ${health.members.toLocaleString('en-US')} members probed every ${meta.health.interval}`, '');
    for (const l of describeHealthSetup(meta)) lines.push(`- ${l}`);
    lines.push('', healthMarkdownTable(health), '', HEALTH_NOTE, '');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The health group: Meridian with and without health checking, from dnsperf and the stats lines.

/**
 * One `--stats-interval` line of Meridian's log (pino JSON with msg "stats"), reduced to what the
 * benchmark reads; undefined for any other line.
 */
export function parseStatsLine(line) {
  if (!line || line[0] !== '{' || !line.includes('"stats"')) return undefined;
  let o;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (o.msg !== 'stats' || typeof o.time !== 'number') return undefined;
  return {
    time: o.time,
    qps: o.qps,
    loopDelayMs: { p50: o.loopDelayMs?.p50, p99: o.loopDelayMs?.p99, max: o.loopDelayMs?.max },
    loopUtilisation: o.loopUtilisation,
    health: { up: o.health?.up ?? 0, down: o.health?.down ?? 0, unknown: o.health?.unknown ?? 0 },
  };
}

/**
 * The stats lines that cover only time inside [from, to] (ms): a line logged at T covers the
 * second before it, so T - 1 s ≥ from and T ≤ to, with 100 ms of slack for timer lateness.
 */
export function statsInWindow(lines, from, to, intervalMs = 1000, slackMs = 100) {
  return lines.filter((l) => l.time - intervalMs >= from - slackMs && l.time <= to + slackMs);
}

const finite = (xs) => xs.filter((x) => Number.isFinite(x));

/** Per-mode figures over the rounds of the health group, the drop, and the goal. */
export function summarizeHealth(runs, { members }) {
  const mode = (m) => {
    const rs = runs.filter((r) => r.mode === m);
    const agg = aggregate(rs);
    if (!agg) return undefined;
    const lines = rs.flatMap((r) => r.stats ?? []);
    const p99s = finite(lines.map((l) => l.loopDelayMs.p99));
    const probeRequests = rs.reduce((a, r) => a + (r.probes?.requests ?? 0), 0);
    const probeSeconds = rs.reduce((a, r) => a + (r.probes?.seconds ?? 0), 0);
    return {
      ...agg,
      statsSeconds: lines.length,
      statsQps: median(finite(lines.map((l) => l.qps))),
      loopDelayP50Ms: median(finite(lines.map((l) => l.loopDelayMs.p50))),
      loopDelayP99Ms: median(p99s),
      loopDelayP99WorstMs: p99s.length ? Math.max(...p99s) : NaN,
      loopDelayMaxMs: Math.max(...finite(lines.map((l) => l.loopDelayMs.max)), -Infinity),
      loopUtilisation: meanOf(lines.map((l) => l.loopUtilisation)),
      membersUpMin: lines.length ? Math.min(...lines.map((l) => l.health.up)) : NaN,
      membersUpMax: lines.length ? Math.max(...lines.map((l) => l.health.up)) : NaN,
      membersDownMax: lines.length ? Math.max(...lines.map((l) => l.health.down)) : NaN,
      probesPerSecond: probeSeconds > 0 ? probeRequests / probeSeconds : NaN,
      probesNon200: rs.reduce((a, r) => a + (r.probes?.non200 ?? 0), 0),
      probedPathsMin: Math.min(...rs.map((r) => r.probes?.distinctPaths ?? 0)),
      nginxCpuPercent: meanOf(rs.map((r) => r.helperCpu?.nginx?.percent)),
      burnCpuPercent: meanOf(rs.map((r) => r.helperCpu?.burn?.percent)),
    };
  };
  const off = mode('off');
  const on = mode('on');
  const control = mode('control');
  const out = { members, off, on, control, goals: [], warnings: [] };
  const idles = runs.filter((r) => r.mode === 'on' && r.idle).map((r) => r.idle);
  if (idles.length) {
    const lines = idles.flatMap((i) => i.stats ?? []);
    const cpu = idles.reduce((a, i) => a + i.cpuSeconds, 0);
    const secs = idles.reduce((a, i) => a + i.seconds, 0);
    const probes = idles.reduce((a, i) => a + i.probes.requests, 0);
    const probeSecs = idles.reduce((a, i) => a + i.probes.seconds, 0);
    out.idle = {
      runs: idles.length,
      cpuPercent: secs > 0 ? (100 * cpu) / secs : NaN,
      cpuMicrosPerProbe: probes > 0 ? (1e6 * cpu) / probes : NaN,
      probesPerSecond: probeSecs > 0 ? probes / probeSecs : NaN,
      nginxCpuPercent: meanOf(idles.map((i) => i.nginxCpuPercent)),
      statsSeconds: lines.length,
      loopDelayP50Ms: median(finite(lines.map((l) => l.loopDelayMs.p50))),
      loopDelayP99Ms: median(finite(lines.map((l) => l.loopDelayMs.p99))),
      loopDelayMaxMs: Math.max(...finite(lines.map((l) => l.loopDelayMs.max)), -Infinity),
      loopUtilisation: meanOf(lines.map((l) => l.loopUtilisation)),
      membersUpMin: lines.length ? Math.min(...lines.map((l) => l.health.up)) : NaN,
      membersUpMax: lines.length ? Math.max(...lines.map((l) => l.health.up)) : NaN,
    };
  }
  if (off && on) {
    out.qpsDropPercent = 100 * (1 - on.qps / off.qps);
    out.cpuDropPercent = off.cpuMicrosPerQuery > 0 && on.cpuMicrosPerQuery > 0 ? 100 * (1 - off.cpuMicrosPerQuery / on.cpuMicrosPerQuery) : undefined;
    // the same drop round by round (each round measures both, one right after the other)
    const rounds = [...new Set(runs.map((r) => r.round))].sort((a, b) => a - b);
    const perRound = (m) =>
      rounds
        .map((round) => {
          const a = runs.find((r) => r.round === round && r.mode === 'off');
          const b = runs.find((r) => r.round === round && r.mode === m);
          return a && b ? 100 * (1 - b.qps / a.qps) : undefined;
        })
        .filter((x) => x !== undefined);
    out.perRoundDropPercent = perRound('on');
    if (control) {
      out.controlDropPercent = 100 * (1 - control.qps / off.qps);
      out.perRoundControlDropPercent = perRound('control');
    }
    out.goals.push({
      text: `qps drop < ${GOALS.healthDropPercent}%`,
      value: out.qpsDropPercent,
      cpuValue: out.cpuDropPercent,
      met: out.qpsDropPercent < GOALS.healthDropPercent,
    });
  }
  if (on && on.membersUpMin < members) {
    out.warnings.push(`only ${fmtInt(on.membersUpMin)} of ${fmtInt(members)} members were up at some point during the runs (at most ${fmtInt(on.membersDownMax)} down): probes failed or were late`);
  }
  for (const [label, agg] of [['off', off], ['on', on], ['control', control]]) {
    if (!agg) continue;
    const other = Object.entries(agg.rcodes).filter(([k]) => k !== 'NOERROR');
    if (other.length > 0) out.warnings.push(`health checks ${label}: Meridian answered ${other.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  }
  if (on && on.probesNon200 > 0) out.warnings.push(`nginx answered ${fmtInt(on.probesNon200)} probes with a status other than 200`);
  return out;
}

const HEALTH_COLUMNS = [
  'health checks',
  'qps',
  'ms mean / max',
  'lost',
  'CPU',
  'µs CPU/query',
  'loop delay p50 / p99 / max ms',
  'loop util.',
  'members up',
  'probes/s',
  'nginx CPU',
];

const fmtDelay = (n) => (Number.isFinite(n) ? n.toFixed(1) : '—');

function healthCells(label, a, members, isOn) {
  if (!a) return [label, ...HEALTH_COLUMNS.slice(1).map(() => '—')];
  const up = !isOn
    ? 'all (unchecked)'
    : a.membersUpMin === a.membersUpMax
      ? `${fmtInt(a.membersUpMin)} / ${fmtInt(members)}`
      : `${fmtInt(a.membersUpMin)}–${fmtInt(a.membersUpMax)} / ${fmtInt(members)}`;
  return [
    label,
    fmtInt(a.qps),
    `${fmtMs(a.latencyMeanMs)} / ${fmtMs(a.latencyMaxMs)}`,
    fmtLost(a),
    fmtPct(a.cpuPercent),
    fmtUs(a.cpuMicrosPerQuery),
    `${fmtDelay(a.loopDelayP50Ms)} / ${fmtDelay(a.loopDelayP99Ms)} / ${fmtDelay(a.loopDelayMaxMs)}`,
    Number.isFinite(a.loopUtilisation) ? a.loopUtilisation.toFixed(2) : '—',
    up,
    fmtInt(a.probesPerSecond),
    fmtPct(a.nginxCpuPercent),
  ];
}

function healthRows(h) {
  const rows = [
    healthCells('off (--no-health)', h.off, h.members, false),
    healthCells(`on (${fmtInt(h.members)} probes/s due)`, h.on, h.members, true),
  ];
  if (h.idle) {
    // no dnsperf: what probing alone costs
    const cells = healthCells('on, no queries', { ...h.idle, qps: NaN, lost: 0, lostPercent: 0 }, h.members, true);
    cells[2] = '—';
    cells[3] = '—';
    rows.push(cells);
  }
  if (h.control) rows.push(healthCells(`control: off, burn.mjs at ${fmtPct(h.control.burnCpuPercent)}`, h.control, h.members, false));
  return rows;
}

/** "qps drop with health checking: 4.2% (goal < 10%) ok (by CPU/query 5.0%); per round …" */
export function healthVerdict(h, ok, miss) {
  const lines = [];
  for (const g of h.goals) {
    const cpu = g.cpuValue !== undefined ? ` (by CPU/query ${g.cpuValue.toFixed(1)}%)` : '';
    const rounds = h.perRoundDropPercent?.length > 1 ? `; per round ${h.perRoundDropPercent.map((d) => `${d.toFixed(1)}%`).join(', ')}` : '';
    lines.push(`qps drop with health checking: ${g.value.toFixed(1)}%, goal ${g.text}: ${g.met ? ok : miss}${cpu}${rounds}`);
  }
  if (h.idle && Number.isFinite(h.idle.cpuMicrosPerProbe)) {
    lines.push(
      `probing alone (no queries): ${Math.round(h.idle.cpuPercent)}% of a core for ${fmtInt(h.idle.probesPerSecond)} probes/s, ` +
        `${Math.round(h.idle.cpuMicrosPerProbe)} µs of Meridian CPU per probe`,
    );
  }
  if (h.controlDropPercent !== undefined) {
    const rounds = h.perRoundControlDropPercent.length > 1 ? `; per round ${h.perRoundControlDropPercent.map((d) => `${d.toFixed(1)}%`).join(', ')}` : '';
    lines.push(
      `control: health checks off and the same CPU burnt by another process (burn.mjs, ${fmtPct(h.control.burnCpuPercent)} of a core): ` +
        `qps drop ${h.controlDropPercent.toFixed(1)}%${rounds}`,
    );
  }
  for (const w of h.warnings) lines.push(`warning: ${w}`);
  return lines;
}

export const HEALTH_NOTE =
  'qps: dnsperf, median of the rounds; drop = 1 − on/off. Loop delay and utilisation: from the ' +
  '`--stats-interval 1` lines logged while dnsperf ran: p50 and p99 are medians of the per-second ' +
  'values, max the largest of them; as logged by monitorEventLoopDelay (10 ms resolution), so an idle ' +
  'loop reads about 10.2 ms: subtract 10 for the delay proper. Members up: min–max over those lines. ' +
  'probes/s: requests in nginx\'s access log during the runs. CPU: Meridian\'s CPU time / run time; ' +
  'nginx CPU: the health-check backend\'s, on the same machine. "on, no queries": the same health-on ' +
  'process watched for a few seconds before its warm-up, with no load: the cost of probing alone. ' +
  '"control": Meridian with health checks off while bench/lib/burn.mjs, a separate process, burns what ' +
  'probing alone took (Meridian + nginx) in bursts every 10 ms: what that much CPU costs this machine\'s qps, whoever spends it.';

export function healthTextTable(h) {
  const data = [HEALTH_COLUMNS, ...healthRows(h)];
  const widths = HEALTH_COLUMNS.map((_, i) => Math.max(...data.map((d) => d[i].length)));
  const right = new Set([1, 9]);
  const line = (d) => d.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(data[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...data.slice(1).map(line), '', ...healthVerdict(h, 'ok', 'MISSED')].join('\n');
}

export function healthMarkdownTable(h) {
  const esc = (s) => s.replace(/\|/g, '\\|');
  const out = [
    `| ${HEALTH_COLUMNS.join(' | ')} |`,
    `| ${HEALTH_COLUMNS.map((_, i) => ([1, 9].includes(i) ? '---:' : '---')).join(' | ')} |`,
    ...healthRows(h).map((cells) => `| ${cells.map(esc).join(' | ')} |`),
  ];
  out.push('', ...healthVerdict(h, '✅', '❌').map((l) => `- ${l.startsWith('warning: ') ? `⚠️ ${l.slice(9)}` : l.startsWith('qps drop') ? `**${l}**` : l}`));
  return out.join('\n');
}

export function describeHealthSetup(meta) {
  const hm = meta.health;
  return [
    `zone ${hm.zone}: pool ${hm.pool} of ${fmtInt(hm.members)} members, each with its own http check (GET /m/N on 127.0.0.1:${hm.nginx.port}, expect 200 "ok"), interval ${hm.interval}, timeout ${hm.timeout}`,
    `backend: ${hm.nginx.version ?? 'nginx'}, 1 worker process, \`location /m/ { return 200 "ok"; }\``,
    `rounds: ${hm.rounds} × ${hm.duration} s per mode, a fresh Meridian per run (` +
      (hm.control ? 'off, on, control in odd rounds, on, control, off in even ones' : 'off then on in odd rounds, on then off in even ones') +
      '), ' +
      `${hm.warmup} s warm-up each; health on: measured once all ${fmtInt(hm.members)} members were up`,
    `queries: ${hm.queries}`,
  ];
}
