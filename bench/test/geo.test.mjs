// Checks of the geo group's pieces (bench/lib/geo.mjs, bench/lib/ecsload.mjs); no servers, no
// load, no GeoIP database. `node --test bench/test/`
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { parse as parseYaml } from 'yaml';
import { packPart, parseSubnets, queryFor, queryTemplate } from '../lib/ecsload.mjs';
import { expectedSite, geoMarkdownTable, geoTextTable, isSpecialV4, locationOf, mulberry32, summarizeGeo } from '../lib/geo.mjs';

const zone = parseYaml(readFileSync(new URL('../zones/geo.bench.test.yaml', import.meta.url), 'utf8'));

test('ecsload: the template carries ECS /24 and the address lands where it should', () => {
  const t = queryTemplate('nearest.geo.bench.test');
  const q = dnsPacket.decode(queryFor(t, 0x1234, [193, 0, 7]));
  assert.equal(q.id, 0x1234);
  assert.equal(q.questions[0].name, 'nearest.geo.bench.test');
  assert.equal(q.questions[0].type, 'A');
  const opt = q.additionals.find((a) => a.type === 'OPT');
  const ecs = opt.options.find((o) => o.code === 8);
  assert.equal(ecs.family, 1);
  assert.equal(ecs.sourcePrefixLength, 24);
  assert.equal(ecs.scopePrefixLength, 0);
  assert.equal(ecs.ip, '193.0.7.0');
});

test('ecsload: subnet lists and parts', () => {
  const s = parseSubnets('# a comment\n1.2.3.0/24\n4.5.6\n\n7.8.9.0/24 # trailing\n');
  assert.deepEqual(s, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.throws(() => parseSubnets('1.2.3.4/32'), /not a \/24/);
  assert.deepEqual([...packPart(s, 0, 2)], [1, 2, 3, 7, 8, 9]);
  assert.deepEqual([...packPart(s, 1, 2)], [4, 5, 6]);
  assert.deepEqual([...packPart(s)], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('geo: seeded PRNG is deterministic; special ranges', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  for (let i = 0; i < 5; i++) assert.equal(a(), b());
  const ip = (s) => s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  for (const s of ['10.1.2.0', '127.0.0.0', '192.168.5.0', '198.19.255.0', '224.0.0.0', '255.255.255.0', '100.127.0.0', '0.1.2.0']) assert.ok(isSpecialV4(ip(s)), s);
  for (const s of ['8.8.8.0', '193.0.0.0', '100.128.0.0', '198.20.0.0', '223.255.255.0', '172.32.0.0']) assert.ok(!isSpecialV4(ip(s)), s);
});

test('geo: expected site follows overrides, then distance, then the default', () => {
  const at = (country, continent, lat, lon) => locationOf({ country: { iso_code: country }, continent: { code: continent }, location: { latitude: lat, longitude: lon } });
  assert.equal(expectedSite(zone, at('CH', 'EU', 47.4, 8.5)).site, 'fra');
  assert.equal(expectedSite(zone, at('NZ', 'OC', -41.3, 174.8)).reason, 'country');
  assert.equal(expectedSite(zone, at('NZ', 'OC', -41.3, 174.8)).site, 'syd');
  assert.equal(expectedSite(zone, at('AR', 'SA', -34.6, -58.4)).site, 'gru');
  assert.equal(expectedSite(zone, at('NL', 'EU', 52.4, 4.9)).site, 'fra');
  assert.equal(expectedSite(zone, at('US', 'NA', 44.97, -93.23)).site, 'iad');
  assert.equal(expectedSite(zone, at('US', 'NA', 47.6, -122.3)).site, 'sjc');
  assert.equal(expectedSite(zone, at('JP', 'AS', 35.68, 139.68)).site, 'sin');
  assert.deepEqual(expectedSite(zone, null), { site: 'fra', reason: 'default' });
  assert.equal(expectedSite(zone, locationOf({ country: { iso_code: 'US' } })).reason, 'default');
  assert.equal(locationOf({ registered_country: { iso_code: 'AU' } }), null);
});

test('geo: summary, ratio and goal', () => {
  const run = (round, scenario, qps, cpuUs) => ({
    round,
    scenario,
    procs: 1,
    qps,
    sent: qps * 10,
    completed: qps * 10,
    lost: 0,
    runTime: 10,
    cpuSeconds: (qps * 10 * cpuUs) / 1e6,
    latency: { mean: 0.001, max: 0.01 },
    rcodes: { NOERROR: qps * 10 },
    generatorCpuPercent: 70,
    otherCpuPercent: 1,
  });
  const runs = [
    run(1, 'balanced-ecs', 50000, 12), run(1, 'geo-ecs-100', 46000, 13), run(1, 'geo-ecs-100k', 20000, 40),
    run(2, 'balanced-ecs', 52000, 12), run(2, 'geo-ecs-100', 47000, 13), run(2, 'geo-ecs-100k', 21000, 40),
    run(3, 'balanced-ecs', 40000, 12), run(3, 'geo-ecs-100', 48000, 13), run(3, 'geo-ecs-100k', 22000, 40),
  ];
  const s = summarizeGeo(runs);
  const row = (id) => s.rows.find((r) => r.scenario === id);
  assert.equal(row('balanced-ecs').qps, 50000);
  assert.equal(row('geo-ecs-100').qps, 47000);
  assert.equal(row('geo-ecs-100').ratio, 0.94);
  assert.equal(s.goals.length, 1);
  assert.equal(s.goals[0].met, true);
  assert.deepEqual(s.goals[0].perRound.map((v) => v.toFixed(2)), ['0.92', '0.90', '1.20']);
  assert.equal(row('geo-ecs-100k').queriesPerSubnet, 2.1);
  assert.equal(s.rows.length, 3);
  const text = geoTextTable(s);
  assert.match(text, /geo-ecs-100 ≥ 0\.90 × balanced-ecs: 0\.94 ok/);
  assert.match(geoMarkdownTable(s), /✅/);
  const missed = summarizeGeo(runs.map((r) => (r.scenario === 'geo-ecs-100' ? { ...r, qps: r.qps * 0.8 } : r)));
  assert.equal(missed.goals[0].met, false);
  assert.match(geoTextTable(missed), /MISSED/);
});
