// Checks of the benchmark's parsers and report; no servers, no load. `node --test bench/test/`
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDnsperf } from '../lib/dnsperf.mjs';
import { topSelfTime } from '../lib/profile.mjs';
import { aggregate, summarize, textTable, markdownTable } from '../lib/report.mjs';

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
