#!/usr/bin/env node
/**
 * `npm run bench`: Meridian against Knot DNS on the same zone, driven by dnsperf over loopback.
 *
 * Starts Knot (bench/zones/bench.test.zone) and Meridian (bench/zones/bench.test.yaml) on free
 * 127.0.0.1 ports, checks that both give the same answers, warms both up, then runs every
 * scenario (bench/queries/<id>.txt) against Knot then Meridian, round after round. Then the
 * `health` group (bench/lib/health.mjs): Meridian alone, with and without health checks on a
 * 2,000-member pool probed every second (nginx as the backend). Writes bench/out/results.{json,md}.
 * Progress goes to stderr, the tables to stdout.
 * See docs/benchmark.md, or `node bench/run.mjs --help`.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DNSPERF_DEFAULTS, dnsperfArgs } from './lib/dnsperf.mjs';
import { runHealthGroup } from './lib/health.mjs';
import { geoMarkdown, geoScenarioEntries, geoText, runGeoGroup } from './lib/geo.mjs';
import { startKnot } from './lib/knot.mjs';
import { measure } from './lib/measure.mjs';
import { ensureBuilt, startMeridian } from './lib/meridian.mjs';
import { nginxBinary } from './lib/nginx.mjs';
import {
  cleanup,
  dnsQuery,
  freePort,
  installSignalHandlers,
  isInterrupted,
  setNice,
  log,
  makeTempDir,
  runCommand,
  stopProcess,
} from './lib/proc.mjs';
import { formatTop, loadProfile, newestProfile, topSelfTime } from './lib/profile.mjs';
import {
  GOALS,
  HEALTH_NOTE,
  describeHealthSetup,
  describeSetup,
  healthTextTable,
  markdownReport,
  summarize,
  summarizeHealth,
  textTable,
} from './lib/report.mjs';
import { ALGORITHMS, HEALTH, POOL_SIZES } from './zones/generate.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const HOST = '127.0.0.1';
const ZONE = 'bench.test.';

const HELP = `usage: node bench/run.mjs [options]        (npm run bench -- [options])

  --rounds N           rounds per scenario and server (default 3; env BENCH_ROUNDS)
  --duration S         seconds per dnsperf run (default 10; env BENCH_DURATION)
  --warmup S           seconds of warm-up per server before round 1 (default 3; env BENCH_WARMUP)
  --only LIST          comma-separated groups or scenarios (env BENCH_ONLY):
                       groups static, nxdomain, balanced, health; scenario ids (static-a, rr3,
                       iphash1000, …); algorithm names (round-robin, ip-hash, …). Balanced runs
                       always add static-a. health: Meridian alone with and without health checks
                       on 2,000 members probed every second (needs nginx; Knot not involved).
                       geo: Meridian alone, a geo: nearest pool with per-query ECS (balanced-ecs,
                       geo-ecs-100, geo-ecs-10k, geo-ecs-100k; needs geoip/GeoLite2-City.mmdb).
  --servers LIST       knot,meridian (default both; env BENCH_SERVERS)
  --quick              smoke test: 1 round × 3 s, 1 s warm-up (env BENCH_QUICK=1)
  --profile            instead of benchmarking: run Meridian alone under node --cpu-prof on the
                       static scenario for --duration seconds, print the top 15 self-time
                       functions (profile in bench/out/profile/; env BENCH_PROFILE=1)
  --profile-scenario ID  scenario to profile (default static)
  --clients N          dnsperf -c (default ${DNSPERF_DEFAULTS.clients}; env BENCH_CLIENTS)
  --outstanding N      dnsperf -q (default ${DNSPERF_DEFAULTS.outstanding}; env BENCH_OUTSTANDING)
  --timeout S          dnsperf -t (default ${DNSPERF_DEFAULTS.timeout}; env BENCH_TIMEOUT)
  --threads N          dnsperf -T (default: dnsperf's own, one send + one receive thread; env BENCH_THREADS)
  --nice N             run both servers and dnsperf under \`nice -n N\` (default 0: unchanged; env
                       BENCH_NICE). Negative N (root) shields the measurement from other work on a
                       shared machine, at that work's expense.
  --meridian-arg ARG   extra argument for \`meridian serve\` (repeatable; env BENCH_MERIDIAN_ARGS, space-separated)
  --no-build           do not run \`npm run build\` when dist/ is older than src/
  --no-check           skip the answer checks before the load
  --out DIR            output directory (default bench/out)
  -h, --help
`;

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      servers: { type: 'string' },
      quick: { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-scenario': { type: 'string' },
      clients: { type: 'string' },
      outstanding: { type: 'string' },
      timeout: { type: 'string' },
      threads: { type: 'string' },
      nice: { type: 'string' },
      'meridian-arg': { type: 'string', multiple: true },
      'no-build': { type: 'boolean' },
      'no-check': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const env = process.env;
  const flag = (v, e) => v ?? (e !== undefined && e !== '' ? e : undefined);
  const bool = (v, e) => v ?? (e !== undefined && /^(1|true|yes)$/i.test(e));
  const quick = bool(values.quick, env.BENCH_QUICK);
  const number = (name, raw, dflt, { min = 0, integer = false } = {}) => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
    }
    return n;
  };
  const o = {
    quick,
    rounds: number('rounds', flag(values.rounds, env.BENCH_ROUNDS), quick ? 1 : 3, { min: 1, integer: true }),
    duration: number('duration', flag(values.duration, env.BENCH_DURATION), quick ? 3 : 10, { min: 1, integer: true }),
    warmup: number('warmup', flag(values.warmup, env.BENCH_WARMUP), quick ? 1 : 3, { min: 0, integer: true }),
    only: flag(values.only, env.BENCH_ONLY),
    servers: (flag(values.servers, env.BENCH_SERVERS) ?? 'knot,meridian').split(',').map((s) => s.trim()).filter(Boolean),
    profile: bool(values.profile, env.BENCH_PROFILE),
    profileScenario: values['profile-scenario'] ?? 'static',
    clients: number('clients', flag(values.clients, env.BENCH_CLIENTS), DNSPERF_DEFAULTS.clients, { min: 1, integer: true }),
    outstanding: number('outstanding', flag(values.outstanding, env.BENCH_OUTSTANDING), DNSPERF_DEFAULTS.outstanding, { min: 1, integer: true }),
    timeout: number('timeout', flag(values.timeout, env.BENCH_TIMEOUT), DNSPERF_DEFAULTS.timeout, { min: 1, integer: true }),
    threads: number('threads', flag(values.threads, env.BENCH_THREADS), undefined, { min: 1, integer: true }),
    nice: number('nice', flag(values.nice, env.BENCH_NICE), 0, { min: -20, integer: true }),
    meridianArgs: values['meridian-arg'] ?? (env.BENCH_MERIDIAN_ARGS ? env.BENCH_MERIDIAN_ARGS.split(/\s+/).filter(Boolean) : []),
    build: !values['no-build'],
    check: !values['no-check'],
    out: values.out ?? join(BENCH, 'out'),
  };
  for (const s of o.servers) if (!['knot', 'meridian'].includes(s)) throw new Error(`--servers: unknown server "${s}"`);
  return o;
}

/** Every scenario, in the order they run. `expect` is the rcode every answer should have. */
function allScenarios() {
  const list = [
    { id: 'static', group: 'static', expect: 'NOERROR', title: 'existing names: 70% A, 10% AAAA, 10% MX, 10% TXT' },
    { id: 'nxdomain', group: 'nxdomain', expect: 'NXDOMAIN', title: 'names that do not exist' },
    { id: 'static-a', group: 'balanced', expect: 'NOERROR', title: 'one static A name: the baseline for the balanced names' },
  ];
  for (const [algorithm, label] of ALGORITHMS) {
    for (const size of POOL_SIZES) {
      list.push({
        id: `${label}${size}`,
        group: 'balanced',
        algorithm,
        size,
        expect: 'NOERROR',
        title: `${algorithm}, ${size} members (Knot: one static A record)`,
      });
    }
  }
  list.push({
    id: 'health',
    group: 'health',
    expect: 'NOERROR',
    title: `Meridian alone: ${HEALTH.members} members probed every ${HEALTH.interval} vs --no-health`,
  });
  for (const s of list) s.file = join(BENCH, 'queries', `${s.id}.txt`);
  list.push(...geoScenarioEntries(BENCH)); // the geo group (bench/lib/geo.mjs): file is its zone
  return list;
}

function selectScenarios(only) {
  const all = allScenarios();
  if (!only) return all;
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  const chosen = new Set();
  for (const w of wanted) {
    const hits = all.filter((s) => s.id === w || s.group === w || s.algorithm === w);
    if (hits.length === 0) {
      throw new Error(`--only: no scenario, group or algorithm "${w}" (scenarios: ${all.map((s) => s.id).join(', ')})`);
    }
    for (const h of hits) chosen.add(h.id);
  }
  if (all.some((s) => chosen.has(s.id) && s.algorithm)) chosen.add('static-a');
  return all.filter((s) => chosen.has(s.id));
}

/** [name, type] of each query line (dnsperf skips lines starting with ';'). */
function queryLines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(/\s+/));
}

const answerKey = (res) =>
  res.answers
    .map((a) => `${a.name.toLowerCase()} ${a.type} ${JSON.stringify(a.data, (k, v) => (typeof v === 'string' ? v.toLowerCase() : v))}`)
    .sort()
    .join('\n');

function inBenchRange(addr) {
  const m = /^198\.(18|19)\.\d+\.\d+$/.exec(addr);
  return Boolean(m);
}

/**
 * Before any load: every server answers every scenario the way the zone says, and Knot and
 * Meridian give the same answer for every static query. A fast wrong answer is not a result.
 */
async function checkAnswers(scenarios, servers) {
  const problems = [];
  const ask = async (srv, name, type) => {
    const res = await dnsQuery(srv.host, srv.port, name, type, 2000);
    if (!res) problems.push(`${srv.label}: no answer to ${name} ${type}`);
    return res;
  };
  for (const sc of scenarios) {
    const lines = queryLines(sc.file);
    const distinct = [...new Map(lines.map(([n, t]) => [`${n.toLowerCase()} ${t}`, [n, t]])).values()];
    const sample = sc.id === 'nxdomain' ? distinct.slice(0, 5) : distinct;
    for (const [name, type] of sample) {
      const answers = {};
      for (const srv of servers) {
        const res = await ask(srv, name, type);
        if (!res) continue;
        answers[srv.id] = res;
        if (res.rcode !== sc.expect) {
          problems.push(`${srv.label}: ${name} ${type} → ${res.rcode}, expected ${sc.expect}`);
          continue;
        }
        if (sc.expect === 'NOERROR' && !res.answers.some((a) => a.type === type)) {
          problems.push(`${srv.label}: ${name} ${type} → no ${type} in the answer section`);
        }
        if (sc.algorithm && srv.id === 'meridian') {
          const bad = res.answers.filter((a) => a.type === 'A' && !inBenchRange(a.data));
          if (bad.length) problems.push(`${srv.label}: ${name} → ${bad.map((a) => a.data).join(', ')}, not a pool member`);
        }
      }
      if (!sc.algorithm && sc.expect === 'NOERROR' && answers.knot && answers.meridian) {
        const k = answerKey(answers.knot);
        const m = answerKey(answers.meridian);
        if (k !== m) problems.push(`${name} ${type}: Knot and Meridian differ\n    Knot:     ${k.replace(/\n/g, '\n              ')}\n    Meridian: ${m.replace(/\n/g, '\n              ')}`);
      }
    }
  }
  if (problems.length) {
    throw new Error(`answer check failed (use --no-check to benchmark anyway):\n  ${problems.slice(0, 20).join('\n  ')}` + (problems.length > 20 ? `\n  … ${problems.length - 20} more` : ''));
  }
  log(`answer check passed (${scenarios.length} scenarios, ${servers.map((s) => s.label).join(' and ')})`);
}

async function dnsperfVersion() {
  const res = await runCommand('dnsperf', ['-h']);
  if (res.error) throw new Error(`dnsperf not found (apt-get install dnsperf): ${res.error.message}`);
  const m = /Version\s+(\S+)/.exec(res.stdout + res.stderr);
  return m ? `dnsperf ${m[1]}` : 'dnsperf';
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const duration = (s) => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

function machine() {
  const c = cpus();
  return {
    cpus: availableParallelism(),
    cpuModel: c[0]?.model?.trim() ?? 'unknown CPU',
    memGiB: Math.round(totalmem() / 2 ** 30),
    freeMemGiB: Math.round(freemem() / 2 ** 30),
    os: `${type()} ${release()}`,
  };
}

async function startServers(o, want) {
  const servers = [];
  if (want.includes('knot')) {
    const k = await startKnot({ host: HOST, port: await freePort(HOST), zone: ZONE, zoneFile: join(BENCH, 'zones', 'bench.test.zone') });
    servers.push({ ...k, id: 'knot', label: 'Knot' });
  }
  if (want.includes('meridian')) {
    const m = await startMeridian({
      root: ROOT,
      host: HOST,
      port: await freePort(HOST),
      zone: ZONE,
      zoneFile: join(BENCH, 'zones', 'bench.test.yaml'),
      extraArgs: o.meridianArgs,
    });
    servers.push({ ...m, id: 'meridian', label: 'Meridian' });
  }
  return servers;
}

async function warmUp(servers, scenarios, o) {
  if (o.warmup <= 0) return;
  const dir = makeTempDir('meridian-bench-warmup-');
  const file = join(dir, 'warmup.txt');
  writeFileSync(file, scenarios.map((s) => readFileSync(s.file, 'utf8')).join(''));
  for (const srv of servers) {
    log(`warm-up: ${srv.label}, ${o.warmup} s over all selected scenarios`);
    const r = await measure(srv, file, o.warmup, o);
    log(`warm-up: ${srv.label} ${fmt(r.qps)} qps`);
  }
}

async function benchmark(o) {
  const selected = selectScenarios(o.only);
  let healthSc = selected.find((s) => s.group === 'health');
  const scenarios = selected.filter((s) => s.group !== 'health' && s.group !== 'geo');
  if (healthSc && !o.servers.includes('meridian')) {
    if (scenarios.length === 0) throw new Error('--only health needs Meridian: it is Meridian with and without health checks (drop --servers)');
    log('note: skipping the health group: --servers does not include meridian');
    healthSc = undefined;
  }
  for (const s of selected) if (!existsSync(s.file)) throw new Error(`missing query file ${s.file} (node bench/zones/generate.mjs)`);
  if (healthSc && !nginxBinary()) {
    throw new Error('nginx not found (apt-get install nginx): the health group uses it as the health-check backend; --only other groups to run without it');
  }
  const dnsperf = await dnsperfVersion();
  if ((o.servers.includes('meridian') || healthSc) && o.build) await ensureBuilt(ROOT);

  const runsTotal = o.rounds * scenarios.length * o.servers.length;
  const healthRuns = healthSc ? o.rounds * 2 : 0;
  const estimate =
    (scenarios.length ? o.warmup * o.servers.length + runsTotal * (o.duration + 0.5) : 0) + healthRuns * (o.warmup + o.duration + 8);
  log(
    [
      scenarios.length ? `${scenarios.length} scenarios × ${o.servers.length} servers × ${o.rounds} rounds × ${o.duration} s = ${runsTotal} runs` : '',
      healthSc ? `health group: ${o.rounds} rounds × 2 modes × ${o.duration} s = ${healthRuns} runs` : '',
    ]
      .filter(Boolean)
      .join('; ') + `, about ${duration(estimate)}`,
  );

  const loadStart = loadavg()[0];
  if (loadStart > 0.5) log(`note: load average is ${loadStart.toFixed(2)} before starting: other work is running, expect noisy figures`);
  const servers = scenarios.length ? await startServers(o, o.servers) : [];
  if (scenarios.length && o.check) await checkAnswers(scenarios, servers);
  if (scenarios.length) await warmUp(servers, scenarios, o);

  const runs = [];
  const started = Date.now();
  let done = 0;
  for (let round = 1; round <= o.rounds; round++) {
    for (const sc of scenarios) {
      for (const srv of servers) {
        done++;
        const left = (runsTotal - done + 1) * (o.duration + 0.5);
        log(`round ${round}/${o.rounds}  ${sc.id.padEnd(10)} ${srv.label.padEnd(8)} run ${done}/${runsTotal}, ~${duration(left)} left`);
        const r = await measure(srv, sc.file, o.duration, o);
        runs.push({ round, scenario: sc.id, server: srv.id, ...r });
        const lost = r.lost ? `, ${fmt(r.lost)} lost (${((100 * r.lost) / r.sent).toFixed(2)}%)` : '';
        const noise = r.otherCpuPercent > 10 ? `; other processes used ${Math.round(r.otherCpuPercent)}% CPU` : '';
        log(
          `        → ${fmt(r.qps)} qps, latency mean ${(r.latency.mean * 1000).toFixed(3)} ms, max ${(r.latency.max * 1000).toFixed(1)} ms, ` +
            `CPU ${srv.label} ${Math.round(r.cpuPercent)}% dnsperf ${Math.round(r.dnsperfCpuPercent)}%${lost}${noise}`,
        );
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  }
  if (scenarios.length) log(`measured for ${duration((Date.now() - started) / 1000)}`);
  for (const srv of servers) await stopProcess(srv.proc);

  // the health group runs alone: Knot and the main Meridian are stopped by now
  let health;
  if (healthSc) {
    const g = await runHealthGroup({ o, root: ROOT, bench: BENCH, host: HOST, file: healthSc.file });
    health = { meta: g.meta, summary: summarizeHealth(g.runs, { members: HEALTH.members }), runs: g.runs };
  }
  // the geo group (issue 5) runs alone too: Meridian with a geo zone, loaded by ecsload, not dnsperf
  const geoIds = selected.filter((s) => s.group === 'geo').map((s) => s.id);
  const geo = geoIds.length ? await runGeoGroup({ o, root: ROOT, bench: BENCH, host: HOST, ids: geoIds }) : undefined;
  const allRuns = [...runs, ...(health?.runs ?? []), ...(geo?.runs ?? [])];

  const meta = {
    date: new Date().toISOString(),
    machine: machine(),
    config: { rounds: o.rounds, duration: o.duration, warmup: o.warmup, nice: o.nice, scenarios: selected.filter((s) => s.group !== 'health' || health).map((s) => s.id), quick: o.quick },
    dnsperf: {
      version: dnsperf,
      args: dnsperfArgs({ host: HOST, port: 'PORT', file: 'bench/queries/<scenario>.txt', seconds: o.duration, ...o }).join(' '),
      clients: o.clients,
      outstanding: o.outstanding,
      timeout: o.timeout,
      threads: o.threads ?? 'default (1 send + 1 receive)',
    },
    servers: Object.fromEntries(servers.map((s) => [s.id, { ...s.info, port: s.port }])),
    goals: GOALS,
    loadavg: { start: loadStart, end: loadavg()[0] },
    otherCpuPercent: {
      mean: allRuns.reduce((a, r) => a + (r.otherCpuPercent || 0), 0) / Math.max(1, allRuns.length),
      max: Math.max(0, ...allRuns.map((r) => r.otherCpuPercent || 0)),
      noisyRuns: allRuns.filter((r) => r.otherCpuPercent > 10).length,
      runs: allRuns.length,
    },
  };
  if (health) meta.health = health.meta;
  if (geo) meta.geo = geo.meta ?? { skipped: geo.skipped };

  const rows = summarize(scenarios, runs);
  mkdirSync(o.out, { recursive: true });
  const scenarioInfo = Object.fromEntries(
    selected.map((s) => [s.id, { title: s.title, group: s.group, algorithm: s.algorithm, size: s.size, file: relative(ROOT, s.file) }]),
  );
  writeFileSync(
    join(o.out, 'results.json'),
    JSON.stringify({ meta, scenarios: scenarioInfo, summary: rows, runs, ...(health ? { health: { summary: health.summary, runs: health.runs } } : {}), ...(geo?.runs ? { geo: { summary: geo.summary, runs: geo.runs } } : {}) }, null, 2) + '\n',
  );
  writeFileSync(join(o.out, 'results.md'), markdownReport(meta, rows, health?.summary) + (geo ? geoMarkdown(geo) : ''));

  process.stdout.write('\n' + describeSetup(meta).join('\n') + '\n');
  if (rows.length) {
    process.stdout.write('\n' + textTable(rows) + '\n\n');
    process.stdout.write(`QPS: median of ${o.rounds} round${o.rounds > 1 ? 's' : ''}; M/K: Meridian qps / Knot qps; CPU: server CPU time / run time (100% = one core).\n`);
  }
  if (health) {
    process.stdout.write(`\nHealth checking (Meridian alone, ${HEALTH.members.toLocaleString('en-US')} members probed every ${HEALTH.interval}):\n`);
    process.stdout.write(describeHealthSetup(meta).join('\n') + '\n\n' + healthTextTable(health.summary) + '\n\n' + HEALTH_NOTE + '\n');
  }
  if (geo) process.stdout.write('\n' + geoText(geo) + '\n');
  process.stdout.write(`written: ${relative(process.cwd(), join(o.out, 'results.json'))}, ${relative(process.cwd(), join(o.out, 'results.md'))}\n`);
}

async function profile(o) {
  const sc = allScenarios().find((s) => s.id === o.profileScenario);
  if (!sc) throw new Error(`--profile-scenario: no scenario "${o.profileScenario}"`);
  if (sc.group === 'geo') throw new Error('--profile-scenario: the geo scenarios are not supported (dnsperf cannot send per-query ECS); profile by hand (docs/benchmark.md)');
  if (sc.group === 'health') throw new Error('--profile-scenario health is not supported: --profile serves the bench.test. zone only');
  if (o.build) await ensureBuilt(ROOT);
  const dir = join(o.out, 'profile');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir, '--import', pathToFileURL(join(BENCH, 'lib', 'exit-on-signal.mjs')).href];
  const m = await startMeridian({
    root: ROOT,
    host: HOST,
    port: await freePort(HOST),
    zone: ZONE,
    zoneFile: join(BENCH, 'zones', 'bench.test.yaml'),
    nodeArgs,
    extraArgs: o.meridianArgs,
    name: 'meridian (profiling)',
  });
  const srv = { ...m, id: 'meridian', label: 'Meridian' };
  if (o.check) await checkAnswers([sc], [srv]);
  log(`profiling: ${sc.id} for ${o.duration} s`);
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const from = nowUs();
  const r = await measure(srv, sc.file, o.duration, o);
  const to = nowUs();
  log(`        → ${fmt(r.qps)} qps under the profiler (slower than without it), CPU ${Math.round(r.cpuPercent)}%`);
  const exit = await stopProcess(srv.proc, 15000);
  const file = newestProfile(dir);
  if (!file || statSync(file).mtimeMs < started) {
    throw new Error(`no new .cpuprofile in ${dir} (Meridian exited with code ${exit?.code}, signal ${exit?.signal})\n${srv.proc.output()}`);
  }
  const prof = loadProfile(file);
  // only the samples taken while dnsperf ran (start-up parses the zone: not the query path)
  const inWindow = prof.startTime <= from && prof.endTime >= to;
  const top = topSelfTime(prof, 15, ROOT, inWindow ? { from, to } : undefined);
  const text =
    `profile: ${relative(process.cwd(), file)} (Meridian, scenario ${sc.id}, ${fmt(r.qps)} qps)\n` +
    (inWindow ? 'samples taken while dnsperf ran; ' : 'whole process life (the load window did not match the profile clock); ') +
    formatTop(top) +
    '\n';
  writeFileSync(join(dir, 'top.txt'), text);
  process.stdout.write('\n' + text);
  process.stdout.write(`\nopen the .cpuprofile in Chrome DevTools (Performance tab) or VS Code for the call tree.\n`);
}

async function main() {
  installSignalHandlers();
  let o;
  try {
    o = options();
  } catch (err) {
    process.stderr.write(`${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  setNice(o.nice);
  try {
    if (o.profile) await profile(o);
    else await benchmark(o);
    await cleanup();
  } catch (err) {
    if (isInterrupted()) return; // the signal handler cleans up and exits
    log(`error: ${err.message}`);
    await cleanup();
    process.exit(1);
  }
}

main();
