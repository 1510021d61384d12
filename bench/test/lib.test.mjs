// Checks of the benchmark's parsers and report; no servers, no load. `node --test bench/test/`
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDnsperf } from '../lib/dnsperf.mjs';
import { topSelfTime } from '../lib/profile.mjs';
import { readFileSync } from 'node:fs';
import { healthZoneText } from '../lib/health.mjs';
import { countProbeLines } from '../lib/nginx.mjs';
import {
  aggregate,
  healthMarkdownTable,
  healthTextTable,
  markdownTable,
  parseStatsLine,
  statsInWindow,
  summarize,
  summarizeHealth,
  textTable,
} from '../lib/report.mjs';

const DNSPERF_OUTPUT = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 15399 -d q.txt -l 3 -c 20 -q 500
[Status] Sending queries (to 127.0.0.1:15399)
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         378604
  Queries completed:    378346 (99.93%)
  Queries lost:         258 (0.07%)

  Response codes:       NOERROR 189159 (50.00%), NXDOMAIN 189187 (50.00%)
  Average packet size:  request 32, response 66
  Run time (s):         3.000658
  Queries per second:   126087.678103

  Average Latency (s):  0.000681 (min 0.000011, max 0.004234)
  Latency StdDev (s):   0.000655
`;

test('parseDnsperf reads the statistics block', () => {
  const r = parseDnsperf(DNSPERF_OUTPUT);
  assert.equal(r.sent, 378604);
  assert.equal(r.completed, 378346);
  assert.equal(r.lost, 258);
  assert.equal(r.qps, 126087.678103);
  assert.equal(r.runTime, 3.000658);
  assert.deepEqual(r.rcodes, { NOERROR: 189159, NXDOMAIN: 189187 });
  assert.deepEqual(r.latency, { mean: 0.000681, min: 0.000011, max: 0.004234, stddev: 0.000655 });
});

test('parseDnsperf rejects output without statistics', () => {
  assert.throws(() => parseDnsperf('Error: invalid argument\n'), /no dnsperf statistics/);
});

test('topSelfTime groups by function and location, excludes idle from the percentages', () => {
  const frame = (functionName, url, lineNumber) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '1' });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)', '', -1), hitCount: 2 },
      { id: 3, callFrame: frame('encode', 'file:///app/dist/wire.js', 9), hitCount: 3 },
      { id: 4, callFrame: frame('encode', 'file:///app/dist/wire.js', 9), hitCount: 1 },
      { id: 5, callFrame: frame('', 'file:///app/dist/x.js', 0), hitCount: 2 },
    ],
    startTime: 0,
    endTime: 8000,
    samples: [2, 3, 3, 5, 3, 4, 5, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
  const top = topSelfTime(profile, 15, '/app');
  assert.equal(top.idleMs, 2);
  assert.equal(top.busyMs, 6);
  assert.deepEqual(top.rows.map((r) => [r.name, r.location, r.selfMs]), [
    ['encode', 'dist/wire.js:10', 4],
    ['(anonymous)', 'dist/x.js:1', 2],
  ]);
  assert.equal(Math.round(top.rows[0].percent), 67);
  // without the sample stream: hitCount × mean interval
  const { samples, timeDeltas, ...noStream } = profile;
  assert.equal(topSelfTime(noStream, 1, '/app').rows[0].selfMs, 4);
});

const run = (scenario, server, qps, extra = {}) => ({
  scenario,
  server,
  qps,
  sent: qps,
  completed: qps,
  lost: 0,
  runTime: 1,
  cpuSeconds: 0.5,
  rcodes: { NOERROR: qps },
  latency: { mean: 0.001, min: 0, max: 0.002, stddev: 0 },
  ...extra,
});

test('aggregate takes the median QPS and the worst latency', () => {
  const a = aggregate([run('s', 'knot', 100), run('s', 'knot', 300, { latency: { mean: 0.002, max: 0.01 } }), run('s', 'knot', 200)]);
  assert.equal(a.qps, 200);
  assert.equal(a.latencyMaxMs, 10);
  assert.equal(a.lost, 0);
});

test('summarize computes the ratio and the goals', () => {
  const scenarios = [
    { id: 'static', group: 'static', expect: 'NOERROR' },
    { id: 'static-a', group: 'balanced', expect: 'NOERROR' },
    { id: 'rr3', group: 'balanced', algorithm: 'round-robin', size: 3, expect: 'NOERROR' },
    { id: 'rr1000', group: 'balanced', algorithm: 'round-robin', size: 1000, expect: 'NOERROR' },
  ];
  const runs = [
    run('static', 'knot', 1000),
    run('static', 'meridian', 700),
    run('static-a', 'knot', 1000),
    run('static-a', 'meridian', 800),
    run('rr3', 'knot', 1000),
    run('rr3', 'meridian', 720),
    run('rr1000', 'knot', 1000),
    run('rr1000', 'meridian', 600, { rcodes: { NOERROR: 590, SERVFAIL: 10 } }),
  ];
  const rows = summarize(scenarios, runs);
  const by = Object.fromEntries(rows.map((r) => [r.scenario, r]));
  assert.equal(by.static.ratio, 0.7);
  assert.deepEqual(by.static.goals.map((g) => g.met), [true]);
  assert.deepEqual(by.rr3.goals.map((g) => [g.value, g.met]), [[0.9, true]]);
  assert.deepEqual(by.rr1000.goals.map((g) => g.met), [false, false]);
  assert.match(by.rr1000.warning, /SERVFAIL ×10/);
  assert.match(textTable(rows), /rr1000 .* MISSED/);
  assert.match(markdownTable(rows), /\| static \| 1,000 \| 700 \| 0\.70 \|/);
});

// ------------------------------------------------------------------------------ health group

test('parseStatsLine reads the stats log line and ignores every other line', () => {
  const line = JSON.stringify({
    level: 30,
    time: 1700000001000,
    pid: 1,
    queries: 5000,
    qps: 2500,
    rcodes: { NOERROR: 5000 },
    loopDelayMs: { p50: 10.1, p99: 12.5, max: 20 },
    loopUtilisation: 0.8,
    health: { up: 1999, down: 1, unknown: 0 },
    msg: 'stats',
  });
  assert.deepEqual(parseStatsLine(line), {
    time: 1700000001000,
    qps: 2500,
    loopDelayMs: { p50: 10.1, p99: 12.5, max: 20 },
    loopUtilisation: 0.8,
    health: { up: 1999, down: 1, unknown: 0 },
  });
  assert.equal(parseStatsLine('{"level":30,"time":1,"msg":"zones loaded"}'), undefined);
  assert.equal(parseStatsLine('{"msg":"stats", broken'), undefined);
  assert.equal(parseStatsLine(''), undefined);
});

test('statsInWindow keeps the lines whose second lies inside the run', () => {
  const lines = [1000, 2000, 2950, 3000, 4000, 5000, 5100, 6000].map((time) => ({ time }));
  // run from 2000 to 5000: lines at 3000, 4000, 5000 cover (2000..5000]; 2950 and 5100 are within the slack
  assert.deepEqual(statsInWindow(lines, 2000, 5000).map((l) => l.time), [2950, 3000, 4000, 5000, 5100]);
  assert.deepEqual(statsInWindow(lines, 2000, 5000, 1000, 0).map((l) => l.time), [3000, 4000, 5000]);
});

const stat = (p99, max, up = 2000, extra = {}) => ({
  time: 0,
  qps: 1000,
  loopDelayMs: { p50: 10.2, p99, max },
  loopUtilisation: 0.9,
  health: { up, down: 2000 - up, unknown: 0 },
  ...extra,
});

test('summarizeHealth: drop, loop delay from the stats lines, goal, warnings', () => {
  const runs = [
    run('health', 'meridian', 1000, { round: 1, mode: 'off', stats: [stat(11, 15, 0), stat(12, 30, 0)], probes: { requests: 0, non200: 0, distinctPaths: 0, seconds: 1 } }),
    run('health', 'meridian', 950, {
      round: 1,
      mode: 'on',
      stats: [stat(14, 20), stat(16, 60, 1990)],
      probes: { requests: 2000, non200: 0, distinctPaths: 2000, seconds: 1 },
      helperCpu: { nginx: { seconds: 0.1, percent: 10 } },
      idle: { seconds: 5, cpuSeconds: 2, cpuPercent: 40, nginxCpuPercent: 8, probes: { requests: 10000, seconds: 5 }, cpuMicrosPerProbe: 200, stats: [stat(13, 40)] },
    }),
    run('health', 'meridian', 900, { round: 2, mode: 'on', stats: [stat(15, 25)], probes: { requests: 1900, non200: 0, distinctPaths: 1900, seconds: 1 } }),
    run('health', 'meridian', 1100, { round: 2, mode: 'off', stats: [stat(11, 12, 0)], probes: { requests: 0, non200: 0, distinctPaths: 0, seconds: 1 } }),
  ];
  const h = summarizeHealth(runs, { members: 2000 });
  assert.equal(h.off.qps, 1050);
  assert.equal(h.on.qps, 925);
  assert.ok(Math.abs(h.qpsDropPercent - 100 * (1 - 925 / 1050)) < 1e-9);
  assert.deepEqual(h.perRoundDropPercent.map((d) => Math.round(d * 10) / 10), [5, 18.2]);
  assert.equal(h.on.loopDelayP99Ms, 15);
  assert.equal(h.on.loopDelayMaxMs, 60);
  assert.equal(h.on.membersUpMin, 1990);
  assert.equal(h.on.probesPerSecond, 1950);
  assert.equal(h.idle.cpuMicrosPerProbe, 200);
  assert.equal(h.idle.cpuPercent, 40);
  assert.deepEqual(h.goals.map((g) => g.met), [false]);
  assert.match(h.warnings.join('\n'), /only 1,990 of 2,000 members were up/);
  const text = healthTextTable(h);
  assert.match(text, /qps drop with health checking: 11\.9%, goal qps drop < 10%: MISSED/);
  assert.match(text, /on, no queries .* 40%/);
  assert.match(text, /200 µs of Meridian CPU per probe/);
  assert.match(healthMarkdownTable(h), /\| off \(--no-health\) \| 1,050 \|/);
  assert.match(healthMarkdownTable(h), /❌/);
});

test('summarizeHealth: the control run, its drop against the off runs, round by round, in both tables', () => {
  const runs = [
    run('health', 'meridian', 1000, { round: 1, mode: 'off' }),
    run('health', 'meridian', 850, { round: 1, mode: 'on' }),
    run('health', 'meridian', 700, { round: 1, mode: 'control', helperCpu: { nginx: { seconds: 0, percent: 0 }, burn: { seconds: 0.18, percent: 18 } }, burnTargetPercent: 18.4 }),
    run('health', 'meridian', 900, { round: 2, mode: 'on' }),
    run('health', 'meridian', 800, { round: 2, mode: 'control', helperCpu: { burn: { seconds: 0.16, percent: 16 } } }),
    run('health', 'meridian', 1000, { round: 2, mode: 'off' }),
  ];
  const h = summarizeHealth(runs, { members: 2000 });
  assert.equal(h.control.qps, 750);
  assert.equal(h.control.burnCpuPercent, 17);
  assert.ok(Math.abs(h.controlDropPercent - 25) < 1e-9);
  assert.deepEqual(h.perRoundControlDropPercent.map((d) => Math.round(d * 10) / 10), [30, 20]);
  // the health drop is still against the off runs only
  assert.deepEqual(h.perRoundDropPercent.map((d) => Math.round(d * 10) / 10), [15, 10]);
  const text = healthTextTable(h);
  assert.match(text, /control: off, burn\.mjs at 17% +750 /);
  assert.match(text, /control: health checks off and the same CPU burnt by another process \(burn\.mjs, 17% of a core\): qps drop 25\.0%; per round 30\.0%, 20\.0%/);
  assert.match(healthMarkdownTable(h), /\| control: off, burn\.mjs at 17% \| 750 \|/);
  // without control runs there is no control line
  const plain = summarizeHealth(runs.filter((r) => r.mode !== 'control'), { members: 2000 });
  assert.equal(plain.control, undefined);
  assert.doesNotMatch(healthTextTable(plain), /control/);
});

test('summarizeHealth meets the goal under 10%', () => {
  const runs = [run('health', 'meridian', 1000, { round: 1, mode: 'off' }), run('health', 'meridian', 920, { round: 1, mode: 'on' })];
  const h = summarizeHealth(runs, { members: 2000 });
  assert.deepEqual(h.goals.map((g) => g.met), [true]);
  assert.match(healthMarkdownTable(h), /8\.0%.*✅/);
});

test('countProbeLines counts requests, non-200 answers and distinct paths', () => {
  const text = '1.000 200 /m/1\n1.001 200 /m/2\n2.000 200 /m/1\n2.001 404 /x\n';
  assert.deepEqual(countProbeLines(text), { requests: 4, non200: 1, distinctPaths: 3 });
});

test('healthZoneText writes the port in, once', () => {
  const zone = readFileSync(new URL('../zones/health.bench.test.yaml', import.meta.url), 'utf8');
  const out = healthZoneText(zone, 34567);
  assert.match(out, /^ {6}port: 34567$/m);
  assert.doesNotMatch(out, /port: 18080$/m);
  assert.equal(out.match(/check-address: 127\.0\.0\.1/g).length, 2000);
  assert.equal(new Set(out.match(/path: \/m\/\d+/g)).size, 2000);
  assert.throws(() => healthZoneText('zone: x.\n', 1), /expected one "port: 18080" line/);
  assert.doesNotMatch(out, /keepalive/);
});

test('healthZoneText with keepalive adds keepalive: true to the pool check, nowhere else', () => {
  const zone = readFileSync(new URL('../zones/health.bench.test.yaml', import.meta.url), 'utf8');
  const out = healthZoneText(zone, 34567, { keepalive: true });
  assert.match(out, /^ {6}port: 34567\n {6}keepalive: true\n {6}expect:/m);
  assert.equal(out.match(/keepalive/g).length, 1);
});
