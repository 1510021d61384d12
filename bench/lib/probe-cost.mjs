#!/usr/bin/env node
/**
 * CPU per health probe, measured without DNS traffic: the number the `health` group's qps drop
 * follows (on 2 cores the probe thread competes with dnsperf and nginx for CPU).
 *
 *   node bench/lib/probe-cost.mjs [--mode monitor|checker] [--probes 20000] [--keepalive]
 *                                 [--members 2000] [--interval-ms 1000] [--concurrency 4]
 *                                 [--wake-gap-ms N] [--dist dist]
 *
 * - `monitor` (default): the real HealthMonitor with `--members` HTTP targets (GET /m/N from one
 *   nginx, as the bench zone has them) every `--interval-ms`, run until `--probes` results after
 *   the first round. Counts everything a probe costs in production: scheduling, timers, checker.
 * - `checker`: the http checker alone, `--concurrency` probes back to back, `--probes` in all.
 *
 * Prints our CPU (process.cpuUsage: user, system) and nginx's CPU (its master and worker, from
 * /proc) per probe. Uses the compiled checkers in `--dist` (default dist/: `npm run build` first,
 * or `npx tsc -p tsconfig.build.json --outDir bench/out/probe-dist` to leave dist/ alone).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startNginx } from './nginx.mjs';
import { cleanup, cpuSeconds, installSignalHandlers } from './proc.mjs';

const { values: a } = parseArgs({
  options: {
    mode: { type: 'string', default: 'monitor' },
    probes: { type: 'string', default: '20000' },
    members: { type: 'string', default: '2000' },
    'interval-ms': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    keepalive: { type: 'boolean', default: false },
    'wake-gap-ms': { type: 'string' },
    dist: { type: 'string', default: 'dist' },
  },
});
const probes = Number(a.probes);
const members = Number(a.members);
const intervalMs = Number(a['interval-ms']);
const dist = resolve(a.dist);
const load = (p) => import(pathToFileURL(join(dist, 'src', 'health', p)).href);

installSignalHandlers();
const { checkerFor } = await load('checkers/index.js');
const { HealthMonitor } = await load('monitor.js');
const nginx = await startNginx();

const check = (i) => ({
  address: '127.0.0.1',
  check: {
    kind: 'http',
    port: nginx.port,
    path: `/m/${i}`,
    expectStatus: [200],
    expectBody: 'ok',
    insecure: false,
    intervalMs,
    timeoutMs: Math.min(500, intervalMs - 1),
    rise: 2,
    fall: 3,
    initial: 'up',
    ...(a.keepalive ? { keepalive: true } : {}),
  },
});

/** CPU of this process and of nginx from now on; `stop(n)` gives µs per probe for n probes. */
function cpuMeter() {
  const ours = process.cpuUsage();
  const theirs = cpuSeconds(nginx.proc.pid);
  const t0 = performance.now();
  return (n) => {
    const d = process.cpuUsage(ours);
    const wall = (performance.now() - t0) / 1000;
    return {
      probes: n,
      seconds: wall,
      probesPerSecond: n / wall,
      userMicros: d.user / n,
      systemMicros: d.system / n,
      ourMicros: (d.user + d.system) / n,
      ourCpuPercent: (100 * (d.user + d.system)) / 1e6 / wall,
      nginxMicros: (1e6 * (cpuSeconds(nginx.proc.pid) - theirs)) / n,
    };
  };
}

async function runChecker() {
  const checker = checkerFor('http');
  const targets = Array.from({ length: members }, (_, i) => check(i));
  const signal = new AbortController().signal;
  let next = 0;
  let failed = 0;
  // a warm-up round, so the JIT and the connection paths are hot
  for (let i = 0; i < Math.min(members, 2000); i++) await checker(targets[i], signal);
  const stop = cpuMeter();
  const worker = async () => {
    while (next < probes) {
      const r = await checker(targets[next++ % members], signal);
      if (!r.ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: Number(a.concurrency) }, worker));
  return { ...stop(probes), failed };
}

async function runMonitor() {
  let results = 0;
  let failed = 0;
  const counting = (kind) => {
    const inner = checkerFor(kind);
    return async (t, s) => {
      const r = await inner(t, s);
      results++;
      if (!r.ok) failed++;
      return r;
    };
  };
  const wakeGapMs = a['wake-gap-ms'] === undefined ? undefined : Number(a['wake-gap-ms']);
  const monitor = new HealthMonitor({ checkerFor: counting, onView: () => {}, wakeGapMs });
  monitor.setTargets(Array.from({ length: members }, (_, i) => check(i)));
  await monitor.ready();
  // after the first (simultaneous) round the phases spread over the interval: skip 2 intervals
  await new Promise((r) => setTimeout(r, 2 * intervalMs));
  const from = results;
  failed = 0;
  const stop = cpuMeter();
  while (results - from < probes) await new Promise((r) => setTimeout(r, 50));
  const out = { ...stop(results - from), failed };
  monitor.stop();
  return out;
}

try {
  const r = a.mode === 'checker' ? await runChecker() : await runMonitor();
  const f = (n) => n.toFixed(1);
  console.log(
    `${a.mode}${a.keepalive ? ' keepalive' : ''}: ${r.probes} probes in ${r.seconds.toFixed(1)} s (${Math.round(r.probesPerSecond)}/s), ${r.failed} failed; ` +
      `ours ${f(r.ourMicros)} µs/probe (user ${f(r.userMicros)}, system ${f(r.systemMicros)}; ${Math.round(r.ourCpuPercent)}% of a core), ` +
      `nginx ${f(r.nginxMicros)} µs/probe`,
  );
} finally {
  await cleanup();
}
