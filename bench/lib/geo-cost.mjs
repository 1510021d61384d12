#!/usr/bin/env node
/**
 * CPU per query of the geo group's scenarios with no sockets: the figure the `geo` group's ratio
 * follows, measured without the network path that dominates it (the `sendmsg` of each answer is
 * about 10 µs of the 11) and much less noisy on a shared machine.
 *
 *   node bench/lib/geo-cost.mjs [--dist dist] [--dist OTHER] [--rounds 11] [--queries 300000]
 *
 * Each `--dist` (default dist/; repeat it to compare builds, e.g. an export of an older commit
 * built with `npx tsc -p tsconfig.build.json --outDir …`) gets its own query handler over
 * bench/zones/geo.bench.test.yaml and geoip/GeoLite2-City.mmdb, in this one process. The queries
 * are the geo group's own (ecsload's packet, the same /24s in the same order), fed to the
 * handler as the UDP listener would: parse, pipeline, encode. Scenarios and builds alternate
 * round by round; it prints the CPU time (process.cpuUsage) per query, the lowest and the median
 * over the rounds, and what each geo scenario costs beyond balanced-ecs.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Reader } from 'maxmind';
import { queryTemplate } from './ecsload.mjs';
import { GEO, GEO_SCENARIOS, chooseSubnets } from './geo.mjs';

const { values: a } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '11' },
    queries: { type: 'string', default: '300000' },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const rounds = Number(a.rounds);
const queries = Number(a.queries);
const dbBuf = readFileSync(join(ROOT, GEO.database));
const zoneText = readFileSync(join(ROOT, 'bench/zones', GEO.file), 'utf8');
const subnets = chooseSubnets(new Reader(dbBuf), Math.max(...GEO_SCENARIOS.map((s) => s.subnets))).map((x) => x.subnet);

/** A handler over the bench zone, built from the compiled sources in `dist`. */
async function handlerFrom(dist) {
  const load = (p) => import(pathToFileURL(join(dist, 'src', p)).href);
  const { parseZoneText } = await load('config/zone-file.js');
  const { buildSnapshot } = await load('pipeline/snapshot.js');
  const { PoolStateStore } = await load('balance/pool.js');
  const { GeoDatabase } = await load('geo/reader.js');
  const { createHandler } = await load('transport/handler.js');
  const db = GeoDatabase.fromBuffer(dbBuf, GEO.database);
  const identity = { identity: null, version: null, nsid: null };
  const snapshot = buildSnapshot({ zones: [parseZoneText(zoneText)], identity, geoDatabase: () => db }, new PoolStateStore());
  return createHandler({ maxUdpPayload: 1232, getSnapshot: () => snapshot, onError: (e) => { throw e; } });
}

/** The scenario's queries: ecsload's template with each /24 written in, as ecsload sends them. */
function packets(sc) {
  const t = queryTemplate(sc.name);
  return subnets.slice(0, sc.subnets).map(([x, y, z], i) => {
    const b = Buffer.from(t.packet);
    b.writeUInt16BE(i & 0xffff, 0);
    b[t.addressOffset] = x;
    b[t.addressOffset + 1] = y;
    b[t.addressOffset + 2] = z;
    return b;
  });
}

/**
 * CPU ns per query over the next `n` queries of `run` ({ packets, at }): the list is sent round
 * and round across calls, as ecsload does, so 100,000 /24s keep missing a 65,536-entry cache.
 */
function cpuPerQuery(h, run, n) {
  const list = run.packets;
  let at = run.at;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    h.handle(list[at], 'udp', '127.0.0.1', 5353);
    at = at + 1 === list.length ? 0 : at + 1;
  }
  const c = process.cpuUsage(c0);
  run.at = at;
  return ((c.user + c.system) * 1000) / n;
}

const builds = [];
for (const d of a.dist ?? ['dist']) builds.push({ dist: d, handler: await handlerFrom(resolve(d)) });
const scenarios = GEO_SCENARIOS.map((sc) => ({ ...sc, packets: packets(sc) }));
// where each build is in each scenario's list
const runs = new Map(builds.flatMap((b) => scenarios.map((sc) => [`${b.dist}\u0000${sc.id}`, { packets: sc.packets, at: 0 }])));
// misses cost ten times more: fewer of them per round keeps the rounds short
const count = (sc) => (sc.subnets > GEO.cacheSize ? Math.round(queries / 5) : queries);
for (const b of builds) for (const sc of scenarios) cpuPerQuery(b.handler, runs.get(`${b.dist}\u0000${sc.id}`), Math.min(count(sc), 200_000)); // JIT, caches
const ns = new Map();
for (let r = 0; r < rounds; r++) {
  for (const sc of scenarios) {
    for (const b of r % 2 ? [...builds].reverse() : builds) {
      const key = `${b.dist}\u0000${sc.id}`;
      ns.set(key, [...(ns.get(key) ?? []), cpuPerQuery(b.handler, runs.get(key), count(sc))]);
    }
  }
}
const sorted = (xs) => [...xs].sort((x, y) => x - y);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`CPU ns per query, parse → pipeline → encode, no sockets; ${rounds} rounds, lowest / median (node ${process.version})`);
for (const b of builds) {
  const base = sorted(ns.get(`${b.dist}\u0000balanced-ecs`));
  console.log(`\n${b.dist}`);
  for (const sc of scenarios) {
    const s = sorted(ns.get(`${b.dist}\u0000${sc.id}`));
    const med = s[s.length >> 1];
    const extra = sc.id === 'balanced-ecs' ? '' : `   +${fmt(s[0] - base[0])} / +${fmt(med - base[base.length >> 1])} over balanced-ecs`;
    console.log(`  ${sc.id.padEnd(13)} ${fmt(s[0]).padStart(7)} / ${fmt(med).padStart(7)}${extra}`);
  }
}
