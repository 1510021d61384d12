/**
 * The `geo` group (issue 5): what `geo: nearest` costs per query, with EDNS Client Subnet.
 *
 * Meridian alone, one process (as in the main table), on bench/zones/geo.bench.test.yaml with the
 * real GeoLite2 City database (`--geoip geoip/GeoLite2-City.mmdb`), loaded by ecsload.mjs (every
 * query its own ECS /24; dnsperf cannot do that) in one or more processes. Scenarios, interleaved
 * round by round in this order:
 *
 *   balanced-ecs  plain.geo.bench.test: the same 12 members, round-robin without geo, same ECS
 *                 options (10,000 /24s): the baseline; Meridian parses the option and echoes it
 *                 with scope 0, and nothing else
 *   geo-ecs-100   nearest.geo.bench.test (geo: nearest, 6 sites) from 100 /24s: lookup-cache hits
 *   geo-ecs-10k   the same from 10,000 /24s
 *   geo-ecs-100k  the same from 100,000 /24s: more than Meridian's 65,536-entry lookup cache
 *                 holds, sent round and round, so (LRU) every query misses it: a walk of the
 *                 database's tree; the ~28,000 records these /24s land on fit Meridian's cache of
 *                 decoded records, so each is decoded (and its site order computed) once a run
 *
 * The /24s are drawn from the whole IPv4 space with a fixed seed (Mulberry32) and kept when the
 * installed database locates them (a country or coordinates), skipping special-use ranges, so the
 * lists are the same for the same database release. The smaller lists are prefixes of the larger.
 *
 * Goal: geo-ecs-100 qps ≥ 0.90 × balanced-ecs qps ("cache hits within 10% of a plain balanced
 * answer"). Figures per run: the generator's (qps, latency, lost, its own CPU time during the
 * load), Meridian's CPU time (µs per answered query: the figure that does not depend on which
 * process was the bottleneck on a 2-core machine), and CPU used by other processes (noise).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { Reader } from 'maxmind';
import { parse as parseYaml } from 'yaml';
import { mulberry32 } from '../zones/generate.mjs';
import { queryFor, queryTemplate } from './ecsload.mjs';
import { ensureBuilt, startMeridian } from './meridian.mjs';
import { cpuSeconds, freePort, log, makeTempDir, runCommand, stopProcess, systemBusySeconds } from './proc.mjs';

export const GEO = {
  origin: 'geo.bench.test.',
  file: 'geo.bench.test.yaml',
  database: 'geoip/GeoLite2-City.mmdb',
  geoName: 'nearest.geo.bench.test',
  plainName: 'plain.geo.bench.test',
  seed: 0x5eed2026,
  /** Meridian's GeoIP lookup cache (src/geo/reader.ts DEFAULT_GEO_CACHE_SIZE) */
  cacheSize: 65536,
  /** and its cache of decoded records, by record (DEFAULT_GEO_RECORD_CACHE_SIZE) */
  recordCacheSize: 65536,
  /** geo-ecs-100 qps / balanced-ecs qps */
  goal: 0.9,
  /** load generator processes (env BENCH_GEO_PROCS) */
  procs: 1,
};

export const GEO_SCENARIOS = [
  { id: 'balanced-ecs', name: GEO.plainName, subnets: 10000, title: 'pool plain12: the same 12 members, round-robin, no geo; ECS from 10,000 /24s (the baseline)' },
  { id: 'geo-ecs-100', name: GEO.geoName, subnets: 100, title: 'pool nearest12 (geo: nearest, 6 sites); ECS from 100 /24s: lookup-cache hits' },
  { id: 'geo-ecs-10k', name: GEO.geoName, subnets: 10000, title: 'pool nearest12; ECS from 10,000 /24s (fits the 65,536-entry cache: hits after the first pass)' },
  { id: 'geo-ecs-100k', name: GEO.geoName, subnets: 100000, title: 'pool nearest12; ECS from 100,000 /24s sent in a cycle: every lookup misses the per-/24 LRU cache (a tree walk; records stay decoded)' },
];

/** Entries for bench/run.mjs's scenario list (`--only geo` or a scenario id). */
export function geoScenarioEntries(bench) {
  return GEO_SCENARIOS.map((s) => ({ id: s.id, group: 'geo', expect: 'NOERROR', title: s.title, file: join(bench, 'zones', GEO.file) }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

// ---------------------------------------------------------------------------------------------
// Subnets and the expected site

export { mulberry32 };

// special-use IPv4 ranges (Meridian places these at the default site without a lookup)
const SPECIAL = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
].map(([a, len]) => {
  const n = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { net: n & mask, mask };
});
export const isSpecialV4 = (n) => SPECIAL.some((s) => ((n & s.mask) >>> 0) === s.net >>> 0);

/** The parts of a GeoIP2 record steering uses (as src/geo/reader.ts toLocation), or null. */
export function locationOf(rec) {
  if (!rec) return null;
  const loc = {};
  if (rec.country?.iso_code) loc.country = rec.country.iso_code.toUpperCase();
  if (rec.continent?.code) loc.continent = rec.continent.code.toUpperCase();
  const { latitude: lat, longitude: lon } = rec.location ?? {};
  if (typeof lat === 'number' && typeof lon === 'number' && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) Object.assign(loc, { lat, lon });
  if (rec.city?.names?.en) loc.city = rec.city.names.en;
  return loc.country || loc.continent || loc.lat !== undefined ? loc : null;
}

/**
 * `count` distinct /24s the database locates, drawn uniformly from the IPv4 space with `seed`;
 * resolves [{ subnet: [a, b, c], location }]. Bounded: gives up after 50 × count draws.
 */
export function chooseSubnets(reader, count, seed = GEO.seed) {
  const rnd = mulberry32(seed);
  const seen = new Set();
  const out = [];
  for (let draws = 0; out.length < count && draws < 50 * count; draws++) {
    const n = (Math.floor(rnd() * 0x1000000) << 8) >>> 0; // a random /24
    const key = n >>> 8;
    if (seen.has(key) || isSpecialV4(n)) continue;
    seen.add(key);
    const subnet = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255];
    const location = locationOf(reader.get(`${subnet.join('.')}.0`));
    if (location) out.push({ subnet, location });
  }
  if (out.length < count) throw new Error(`geo: found only ${out.length} of ${count} located /24s in the database`);
  return out;
}

const RAD = Math.PI / 180;
function km(lat1, lon1, lat2, lon2) {
  const sLat = Math.sin(((lat2 - lat1) * RAD) / 2);
  const sLon = Math.sin(((lon2 - lon1) * RAD) / 2);
  const h = sLat * sLat + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * sLon * sLon;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(Math.min(1, h)));
}

/**
 * The site a client at `location` should get, by the rules of docs/zone-files.md ("How a site is
 * chosen", every site having eligible members): country override, continent override, nearest
 * by great-circle distance, else the default site. An independent re-implementation, to check
 * Meridian's answers, not a copy of its code.
 */
export function expectedSite(zone, location) {
  const sites = Object.entries(zone.sites).map(([name, s]) => ({ name, ...s }));
  const def = zone.geoip?.['default-site'] ?? sites[0].name;
  if (!location) return { site: def, reason: 'default' };
  const claims = (s, key, code) => code && (s[key] ?? []).some((c) => c.toUpperCase() === code);
  const byCountry = sites.find((s) => claims(s, 'countries', location.country));
  if (byCountry) return { site: byCountry.name, reason: 'country' };
  const byContinent = sites.find((s) => claims(s, 'continents', location.continent));
  if (byContinent) return { site: byContinent.name, reason: 'continent' };
  if (location.lat === undefined) return { site: def, reason: 'default' };
  const d = sites.map((s) => ({ name: s.name, km: km(location.lat, location.lon, s.lat, s.lon) })).sort((a, b) => a.km - b.km || (a.name < b.name ? -1 : 1));
  return { site: d[0].name, reason: 'distance', km: d[0].km, secondKm: d[1]?.km };
}

/** { site: count } and { reason: count } over a subnet list. */
export function siteMix(zone, list) {
  const sites = {};
  const reasons = {};
  for (const { location } of list) {
    const e = expectedSite(zone, location);
    sites[e.site] = (sites[e.site] ?? 0) + 1;
    reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
  }
  return { sites, reasons };
}

// ---------------------------------------------------------------------------------------------
// The answer check

/** One query built from ecsload's template (so the template is checked too); the decoded answer or undefined. */
function ecsQuery(host, port, template, subnet, id, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => done(undefined), timeoutMs);
    function done(v) {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {}
      resolve(v);
    }
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      try {
        const res = dnsPacket.decode(msg);
        if (res.id === id) done(res);
      } catch {
        done(undefined);
      }
    });
    sock.send(queryFor(template, id, subnet), port, host);
  });
}

/**
 * Before any load: the geo name answers a member of the expected site (first 100 subnets and 100
 * more spread over the 100,000), with ECS echoed at a scope of /1–/32; the plain name answers a
 * member with scope 0. A fast wrong answer is not a result.
 */
async function checkGeoAnswers(srv, zone, list) {
  const site = new Map(zone.pools.nearest12.members.map((m) => [m.address, m.site]));
  const members = new Set(zone.pools.plain12.members.map((m) => m.address));
  const geoT = queryTemplate(GEO.geoName);
  const plainT = queryTemplate(GEO.plainName);
  const problems = [];
  const ecsOf = (res) => res.additionals?.find((a) => a.type === 'OPT')?.options?.find((o) => o.code === 8);
  const step = Math.floor(list.length / 100);
  const sample = [...list.slice(0, 100), ...list.filter((_, i) => i % step === step - 1).slice(0, 100)];
  let id = 1;
  let checked = 0;
  for (const { subnet, location } of sample) {
    const where = `${subnet.join('.')}.0/24 (${[location.city, location.country, location.continent].filter(Boolean).join(', ')})`;
    const res = await ecsQuery(srv.host, srv.port, geoT, subnet, id++);
    if (!res) {
      problems.push(`${GEO.geoName} from ${where}: no answer`);
      continue;
    }
    const a = res.answers.filter((x) => x.type === 'A').map((x) => x.data);
    const want = expectedSite(zone, location);
    const ecs = ecsOf(res);
    if (res.rcode !== 'NOERROR' || a.length !== 1) problems.push(`${GEO.geoName} from ${where}: ${res.rcode}, ${a.length} A records`);
    else if (site.get(a[0]) !== want.site) {
      const close = want.reason === 'distance' && want.secondKm - want.km < 50 ? ' (two sites almost equally near: rounding)' : '';
      problems.push(`${GEO.geoName} from ${where}: ${a[0]} (site ${site.get(a[0]) ?? 'none'}), expected site ${want.site} by ${want.reason}${close}`);
    } else if (!ecs || ecs.sourcePrefixLength !== 24 || !(ecs.scopePrefixLength >= 1 && ecs.scopePrefixLength <= 32)) {
      // the scope is the database network the answer depended on: it may be finer than /24 (RFC 7871 §7.2.1)
      problems.push(`${GEO.geoName} from ${where}: ECS ${ecs ? `/${ecs.sourcePrefixLength} scope /${ecs.scopePrefixLength}` : 'not echoed'}, expected source /24, scope /1–/32`);
    }
    checked++;
  }
  for (const { subnet } of list.slice(0, 20)) {
    const res = await ecsQuery(srv.host, srv.port, plainT, subnet, id++);
    const a = res?.answers.filter((x) => x.type === 'A').map((x) => x.data) ?? [];
    const ecs = res && ecsOf(res);
    if (!res) problems.push(`${GEO.plainName}: no answer`);
    else if (res.rcode !== 'NOERROR' || a.length !== 1 || !members.has(a[0])) problems.push(`${GEO.plainName}: ${res.rcode} ${a.join(', ')}, expected one pool member`);
    else if (!ecs || ecs.scopePrefixLength !== 0) problems.push(`${GEO.plainName}: ECS ${ecs ? `scope /${ecs.scopePrefixLength}` : 'not echoed'}, expected scope /0`);
    checked++;
  }
  // the sample's close calls aside, anything wrong stops the run
  const real = problems.filter((p) => !p.includes('almost equally near'));
  if (real.length) {
    throw new Error(`geo: answer check failed (use --no-check to benchmark anyway):\n  ${real.slice(0, 15).join('\n  ')}` + (real.length > 15 ? `\n  … ${real.length - 15} more` : ''));
  }
  for (const p of problems) log(`geo: note: ${p}`);
  log(`geo: answer check passed (${checked} ECS queries: site, member and scope)`);
}

// ---------------------------------------------------------------------------------------------
// One measured run: the generator processes against Meridian

/**
 * Runs `procs` ecsload processes at once (each with clients/procs sockets and outstanding/procs
 * queries in flight, and its own share of the subnets) for `seconds`; resolves the combined
 * figures with Meridian's CPU time around them.
 */
export async function measureGeo(srv, sc, subnetFile, seconds, o, procs) {
  const script = join(o.bench, 'lib', 'ecsload.mjs');
  const split = (total, k) => Math.floor(total / procs) + (k < total % procs ? 1 : 0);
  const cpu0 = cpuSeconds(srv.proc.pid);
  const sys0 = systemBusySeconds();
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: procs }, (_, k) =>
      runCommand(
        process.execPath,
        [
          script,
          '--host', srv.host,
          '--port', String(srv.port),
          '--name', sc.name,
          '--subnets', subnetFile,
          '--count', String(sc.subnets),
          '--part', `${k}/${procs}`,
          '--sockets', String(Math.max(1, split(o.clients, k))),
          '--outstanding', String(Math.max(1, split(o.outstanding, k))),
          '--timeout', String(o.timeout),
          '--seconds', String(seconds),
        ],
        { measured: true },
      ),
    ),
  );
  const cpu = cpuSeconds(srv.proc.pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const sys = systemBusySeconds() - sys0;
  if (srv.proc.exitInfo) {
    throw new Error(`${srv.label} exited during the run (code ${srv.proc.exitInfo.code}, signal ${srv.proc.exitInfo.signal})\n--- output ---\n${srv.proc.output()}`);
  }
  const parts = results.map((res, k) => {
    const line = res.stdout.trim().split('\n').pop();
    try {
      return { ...JSON.parse(line), processCpuSeconds: res.cpuSeconds };
    } catch {
      throw new Error(`ecsload part ${k}/${procs} failed (code ${res.code}, signal ${res.signal}):\n${res.stdout}\n${res.stderr}`);
    }
  });
  const sum = (f) => parts.reduce((a, p) => a + f(p), 0);
  const completed = sum((p) => p.completed);
  const runTime = Math.max(...parts.map((p) => p.runTime));
  const rcodes = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.rcodes)) rcodes[k] = (rcodes[k] ?? 0) + v;
  const genCpu = sum((p) => p.cpuSeconds);
  const genProcessCpu = sum((p) => p.processCpuSeconds ?? p.cpuSeconds);
  const pct = (x) => (wall > 0 ? (100 * x) / wall : NaN);
  // CPU the rest of the machine used meanwhile (other people's builds and tests): noise
  const other = Math.max(0, sys - cpu - genProcessCpu - 0.02 * wall);
  return {
    sent: sum((p) => p.sent),
    completed,
    lost: sum((p) => p.lost),
    late: sum((p) => p.late),
    noAnswer: sum((p) => p.noAnswer),
    rcodes,
    runTime,
    qps: sum((p) => p.qps),
    latency: {
      mean: completed ? sum((p) => p.latency.mean * p.completed) / completed : NaN,
      max: Math.max(...parts.map((p) => p.latency.max)),
    },
    cpuSeconds: cpu,
    cpuPercent: runTime > 0 ? (100 * cpu) / runTime : NaN,
    generatorCpuSeconds: genCpu,
    generatorCpuPercent: runTime > 0 ? (100 * genCpu) / runTime : NaN,
    systemBusyPercent: pct(sys),
    otherCpuPercent: pct(other),
    procs,
    parts: parts.map(({ part, sent, completed, lost, late, qps, runTime, cpuSeconds, sockets, outstanding, subnets }) => ({ part, sent, completed, lost, late, qps, runTime, cpuSeconds, sockets, outstanding, subnets })),
  };
}

// ---------------------------------------------------------------------------------------------
// The group

/**
 * Runs the group; resolves { runs, meta, summary } or { skipped: why }. `o`: the benchmark
 * options (rounds, duration, warmup, clients, outstanding, timeout, meridianArgs, check, build,
 * servers). `ids`: the selected geo scenario ids (balanced-ecs is always added: it is the base).
 */
export async function runGeoGroup({ o, root, bench, host, ids = GEO_SCENARIOS.map((s) => s.id) }) {
  const dbFile = join(root, GEO.database);
  if (!o.servers.includes('meridian')) {
    const why = 'geo group skipped: --servers does not include meridian (the group is Meridian alone)';
    log(`note: ${why}`);
    return { skipped: why };
  }
  if (!existsSync(dbFile)) {
    const why = `geo group skipped: ${GEO.database} is missing: run npm run geoip:install (the group needs the real GeoLite2 City database)`;
    log(`note: ${why}`);
    return { skipped: why };
  }
  const want = new Set([...ids, 'balanced-ecs']);
  const scenarios = GEO_SCENARIOS.filter((s) => want.has(s.id));
  const procs = Number(process.env.BENCH_GEO_PROCS || GEO.procs);
  if (!Number.isInteger(procs) || procs < 1 || procs > 8) throw new Error(`BENCH_GEO_PROCS: expected 1–8, got ${process.env.BENCH_GEO_PROCS}`);
  if (o.build) await ensureBuilt(root);

  const zoneFile = join(bench, 'zones', GEO.file);
  const zone = parseYaml(readFileSync(zoneFile, 'utf8'));
  const t0 = Date.now();
  const dbBuf = readFileSync(dbFile);
  const reader = new Reader(dbBuf);
  const maxSubnets = Math.max(...scenarios.map((s) => s.subnets));
  const list = chooseSubnets(reader, Math.max(maxSubnets, 10000));
  const dir = makeTempDir('meridian-bench-geo-');
  const subnetFile = join(dir, 'subnets.txt');
  writeFileSync(subnetFile, list.map((x) => `${x.subnet.join('.')}.0/24`).join('\n') + '\n');
  const md = reader.metadata;
  const database = {
    file: GEO.database,
    type: md.databaseType,
    builtAt: md.buildEpoch.toISOString().slice(0, 10),
    bytes: dbBuf.length,
  };
  log(`geo: ${database.type} built ${database.builtAt}; chose ${fmt(list.length)} located /24s (seed 0x${GEO.seed.toString(16)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const runsTotal = o.rounds * scenarios.length;
  log(`geo group: ${scenarios.length} scenarios × ${o.rounds} rounds × ${o.duration} s = ${runsTotal} runs, ${procs} generator process${procs > 1 ? 'es' : ''}, about ${Math.round(scenarios.length * o.warmup + runsTotal * (o.duration + 1.5) + 10)} s`);
  const m = await startMeridian({
    root,
    host,
    port: await freePort(host),
    zone: GEO.origin,
    zoneFile,
    extraArgs: ['--geoip', dbFile, ...o.meridianArgs],
    name: 'meridian (geo)',
  });
  const srv = { ...m, id: 'meridian', label: 'Meridian (geo)' };
  const runs = [];
  try {
    if (o.check) await checkGeoAnswers(srv, zone, list);
    const opts = { ...o, bench };
    if (o.warmup > 0) {
      for (const sc of scenarios) {
        const r = await measureGeo(srv, sc, subnetFile, o.warmup, opts, procs);
        log(`geo warm-up: ${sc.id} ${o.warmup} s, ${fmt(r.qps)} qps`);
      }
    }
    let done = 0;
    for (let round = 1; round <= o.rounds; round++) {
      for (const sc of scenarios) {
        done++;
        log(`geo round ${round}/${o.rounds}  ${sc.id.padEnd(12)} run ${done}/${runsTotal}, ~${Math.round((runsTotal - done + 1) * (o.duration + 1.5))} s left`);
        const r = await measureGeo(srv, sc, subnetFile, o.duration, opts, procs);
        runs.push({ round, scenario: sc.id, server: 'meridian', group: 'geo', subnets: sc.subnets, ...r });
        log(
          `        → ${fmt(r.qps)} qps, latency mean ${(r.latency.mean * 1000).toFixed(3)} ms, max ${(r.latency.max * 1000).toFixed(1)} ms, ` +
            `CPU Meridian ${Math.round(r.cpuPercent)}% (${((1e6 * r.cpuSeconds) / Math.max(1, r.completed)).toFixed(1)} µs/query) generator ${Math.round(r.generatorCpuPercent)}%` +
            (r.lost ? `, ${fmt(r.lost)} lost` : '') +
            (r.otherCpuPercent > 10 ? `; other processes used ${Math.round(r.otherCpuPercent)}% CPU` : ''),
        );
        await sleep(250);
      }
    }
  } finally {
    await stopProcess(srv.proc);
  }
  const zoneInfo = { sites: Object.keys(zone.sites), members: zone.pools.nearest12.members.length };
  const meta = {
    zone: GEO.origin,
    zoneFile: relative(root, zoneFile),
    ...zoneInfo,
    database,
    seed: GEO.seed,
    subnetMix: Object.fromEntries(scenarios.filter((s) => s.id !== 'balanced-ecs').map((s) => [s.id, siteMix(zone, list.slice(0, s.subnets))])),
    firstSubnets: list.slice(0, 5).map((x) => `${x.subnet.join('.')}.0/24`),
    cacheSize: GEO.cacheSize,
    recordCacheSize: GEO.recordCacheSize,
    node: process.version,
    osThreads: m.info.osThreads,
    rounds: o.rounds,
    duration: o.duration,
    warmup: o.warmup,
    generator: { procs, clients: o.clients, outstanding: o.outstanding, timeout: o.timeout, nice: o.nice },
  };
  return { runs, meta, summary: summarizeGeo(runs, scenarios) };
}

// ---------------------------------------------------------------------------------------------
// Summary and report

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Per scenario over the rounds: median qps, ratio to balanced-ecs, latency, lost, CPU; the goal. */
export function summarizeGeo(runs, scenarios = GEO_SCENARIOS) {
  const rows = [];
  for (const sc of scenarios) {
    const rs = runs.filter((r) => r.scenario === sc.id);
    if (!rs.length) continue;
    const completed = rs.reduce((a, r) => a + r.completed, 0);
    const sent = rs.reduce((a, r) => a + r.sent, 0);
    const lost = rs.reduce((a, r) => a + r.lost, 0);
    const cpu = rs.reduce((a, r) => a + r.cpuSeconds, 0);
    const runTime = rs.reduce((a, r) => a + r.runTime, 0);
    const rcodes = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.rcodes)) rcodes[k] = (rcodes[k] ?? 0) + v;
    rows.push({
      scenario: sc.id,
      title: sc.title,
      subnets: sc.subnets,
      rounds: rs.length,
      qps: median(rs.map((r) => r.qps)),
      qpsMin: Math.min(...rs.map((r) => r.qps)),
      qpsMax: Math.max(...rs.map((r) => r.qps)),
      perRoundQps: rs.map((r) => r.qps),
      latencyMeanMs: completed ? (1000 * rs.reduce((a, r) => a + r.latency.mean * r.completed, 0)) / completed : NaN,
      latencyMaxMs: 1000 * Math.max(...rs.map((r) => r.latency.max)),
      sent,
      completed,
      lost,
      lostPercent: sent ? (100 * lost) / sent : 0,
      late: rs.reduce((a, r) => a + (r.late ?? 0), 0),
      noAnswer: rs.reduce((a, r) => a + (r.noAnswer ?? 0), 0),
      cpuPercent: runTime ? (100 * cpu) / runTime : NaN,
      cpuMicrosPerQuery: completed ? (1e6 * cpu) / completed : NaN,
      generatorCpuPercent: mean(rs.map((r) => r.generatorCpuPercent)),
      otherCpuPercent: mean(rs.map((r) => r.otherCpuPercent)),
      queriesPerSubnet: completed / rs.length / sc.subnets,
      rcodes,
    });
  }
  const base = rows.find((r) => r.scenario === 'balanced-ecs');
  for (const r of rows) {
    r.ratio = base ? r.qps / base.qps : undefined;
    r.cpuRatio = base && r.cpuMicrosPerQuery > 0 ? base.cpuMicrosPerQuery / r.cpuMicrosPerQuery : undefined;
  }
  const hits = rows.find((r) => r.scenario === 'geo-ecs-100');
  const goals = [];
  if (base && hits) {
    const rounds = [...new Set(runs.map((r) => r.round))].sort((a, b) => a - b);
    const perRound = rounds
      .map((round) => {
        const a = runs.find((r) => r.round === round && r.scenario === 'balanced-ecs');
        const b = runs.find((r) => r.round === round && r.scenario === 'geo-ecs-100');
        return a && b ? b.qps / a.qps : undefined;
      })
      .filter((x) => x !== undefined);
    goals.push({ text: `geo-ecs-100 ≥ ${GEO.goal.toFixed(2)} × balanced-ecs`, value: hits.ratio, cpuValue: hits.cpuRatio, perRound, met: hits.ratio >= GEO.goal });
  }
  const warnings = [];
  for (const r of rows) {
    const other = Object.entries(r.rcodes).filter(([k]) => k !== 'NOERROR');
    if (other.length) warnings.push(`${r.scenario}: Meridian answered ${other.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    if (r.noAnswer) warnings.push(`${r.scenario}: ${fmt(r.noAnswer)} answers had no answer record`);
    if (r.generatorCpuPercent > 90 * (runs.find((x) => x.scenario === r.scenario)?.procs ?? 1) && r.cpuPercent < 90) {
      warnings.push(`${r.scenario}: the generator was near 100% of its core${(runs[0]?.procs ?? 1) > 1 ? 's' : ''} while Meridian was at ${Math.round(r.cpuPercent)}%: the generator, not Meridian, limited qps; compare µs CPU/query`);
    }
  }
  return { rows, goals, warnings };
}

const fmtMs = (n) => (Number.isFinite(n) ? (n >= 10 ? n.toFixed(1) : n.toFixed(3)) : '—');
const fmtPct = (n) => (Number.isFinite(n) ? `${Math.round(n)}%` : '—');
const floor2 = (v) => (Math.floor(v * 100 + 1e-9) / 100).toFixed(2);

const COLUMNS = ['scenario', '/24s', 'qps', 'vs balanced-ecs', 'ms mean / max', 'lost', 'Meridian CPU', 'µs CPU/query', 'generator CPU', 'queries per /24 per run'];

function cells(r) {
  return [
    r.scenario,
    fmt(r.subnets),
    fmt(r.qps),
    r.ratio === undefined ? '—' : floor2(r.ratio),
    `${fmtMs(r.latencyMeanMs)} / ${fmtMs(r.latencyMaxMs)}`,
    r.lost === 0 ? '0' : `${fmt(r.lost)} (${r.lostPercent.toFixed(2)}%)`,
    fmtPct(r.cpuPercent),
    Number.isFinite(r.cpuMicrosPerQuery) ? r.cpuMicrosPerQuery.toFixed(1) : '—',
    fmtPct(r.generatorCpuPercent),
    r.queriesPerSubnet >= 10 ? fmt(r.queriesPerSubnet) : r.queriesPerSubnet.toFixed(1),
  ];
}

export function geoVerdict(s, ok, miss) {
  const lines = [];
  for (const g of s.goals) {
    const rounds = g.perRound.length > 1 ? `; per round ${g.perRound.map((v) => v.toFixed(2)).join(', ')}` : '';
    lines.push(`goal ${g.text}: ${floor2(g.value)} ${g.met ? ok : miss}${g.cpuValue !== undefined ? ` (by CPU/query ${g.cpuValue.toFixed(2)})` : ''}${rounds}`);
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines;
}

export const GEO_NOTE =
  'qps: ecsload (bench/lib/ecsload.mjs), median of the rounds, closed loop like dnsperf (same --clients sockets, ' +
  '--outstanding queries in flight, --timeout); every query carries its own ECS /24. vs balanced-ecs: qps ÷ balanced-ecs qps. ' +
  'Meridian CPU: its CPU time / run time (100% = one core); µs CPU/query: that time / answered queries, the figure that does not ' +
  'depend on which process was the bottleneck. generator CPU: ecsload\'s own CPU time during the load (all its processes, 100% = one core). ' +
  'On 2 cores Meridian and the generator share the machine: when Meridian is below ~90% and the generator near 100%, the generator ' +
  'was the limit. queries per /24 per run: how often each /24 came back within one run (Meridian caches lookups per /24, 65,536 entries, LRU).';

export function describeGeoSetup(meta) {
  const mix = (id) => {
    const x = meta.subnetMix?.[id];
    if (!x) return undefined;
    const total = Object.values(x.sites).reduce((a, b) => a + b, 0);
    const sites = Object.entries(x.sites).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`).join(', ');
    const why = Object.entries(x.reasons).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`).join(', ');
    return `${id}: ${sites} (by ${why})`;
  };
  const g = meta.generator;
  return [
    `zone ${meta.zone} (${meta.zoneFile}): ${meta.sites.length} sites (${meta.sites.join(', ')}), pools nearest12 (geo: nearest, round-robin) and plain12 (round-robin, no geo) with the same ${meta.members} members`,
    `GeoIP: ${meta.database.file}, ${meta.database.type} built ${meta.database.builtAt} (${Math.round(meta.database.bytes / 2 ** 20)} MiB), passed with --geoip; Meridian's lookup cache: ${fmt(meta.cacheSize)} /24s (LRU)${meta.recordCacheSize ? `, and ${fmt(meta.recordCacheSize)} decoded records` : ''}`,
    `/24s: drawn uniformly from the IPv4 space (seed 0x${meta.seed.toString(16)}), kept when the database locates them, special-use ranges skipped; first ${meta.firstSubnets.join(', ')}`,
    `expected sites, ${['geo-ecs-100', 'geo-ecs-10k', 'geo-ecs-100k'].map(mix).filter(Boolean).join('; ')}`,
    `Meridian: node ${meta.node}, one process (1 JavaScript thread, ${meta.osThreads} OS threads); rounds: ${meta.rounds} × ${meta.duration} s per scenario, interleaved, after ${meta.warmup} s of warm-up per scenario`,
    `load: ecsload in ${g.procs} process${g.procs > 1 ? 'es' : ''}, ${g.clients} UDP sockets and ${g.outstanding} queries in flight in total, timeout ${g.timeout} s` + (g.nice ? `, Meridian and ecsload at nice ${g.nice}` : ''),
  ];
}

export function geoTextTable(s) {
  const data = [COLUMNS, ...s.rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...data.map((d) => d[i].length)));
  const right = new Set([1, 2, 3, 9]);
  const line = (d) => d.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(data[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...data.slice(1).map(line), '', ...geoVerdict(s, 'ok', 'MISSED')].join('\n');
}

export function geoMarkdownTable(s) {
  const esc = (x) => x.replace(/\|/g, '\\|');
  const out = [`| ${COLUMNS.join(' | ')} |`, `| ${COLUMNS.map((_, i) => ([1, 2, 3, 9].includes(i) ? '---:' : '---')).join(' | ')} |`];
  for (const r of s.rows) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  out.push('', ...geoVerdict(s, '✅', '❌').map((l) => `- ${l.startsWith('warning: ') ? `⚠️ ${l.slice(9)}` : `**${l}**`}`));
  return out.join('\n');
}

/** Stdout text for bench/run.mjs. */
export function geoText(g) {
  if (g.skipped) return `GeoIP (geo group): ${g.skipped}`;
  return [`GeoIP steering with EDNS Client Subnet (Meridian alone, real GeoLite2 City):`, ...describeGeoSetup(g.meta), '', geoTextTable(g.summary), '', GEO_NOTE].join('\n');
}

/** Markdown section for bench/out/results.md. */
export function geoMarkdown(g) {
  if (g.skipped) return `\n## GeoIP steering with EDNS Client Subnet\n\n${g.skipped}\n`;
  return ['', '## GeoIP steering with EDNS Client Subnet', '', ...describeGeoSetup(g.meta).map((l) => `- ${l}`), '', geoMarkdownTable(g.summary), '', GEO_NOTE, ''].join('\n');
}
