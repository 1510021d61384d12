/**
 * Health checks end to end (issue 4): members are real HTTP servers on loopback, probed by the
 * server's monitor, and every assertion is on real DNS answers over time.
 *
 * Timing. With interval I, timeout T, fall F and rise R, a member that stops answering at t0 has
 * its first failing probe started by t0 + I and its F-th by t0 + F·I, so it leaves answers by
 * t0 + F·I + T, and not before t0 + (F − 1)·I (probes start at least I apart). A member back at
 * t1 returns between t1 + (R − 1)·I and t1 + R·I. Lower bounds are asserted as they are (less
 * EARLY_MS): a slow machine only delays. Upper bounds get the tolerance PUBLISH_MS (the monitor
 * publishes a change at most that long after it) + SLACK_MS + one longest event-loop stall seen
 * during the measurement per probe waited for (a loaded 2-core machine stalls for 100s of ms).
 * Times are taken when a reply arrives (polling every ~10 ms): upper bounds of the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../src/pipeline/explain.js';
import { captureLogger, healthOf, sleep, stallMeter, startBackend, until, watch, type Backend, type Sample } from './helpers/backends.js';
import { query } from './helpers/client.js';
import { addrs, poolZone, zoneDef } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';

/** interval and timeout: a timeout much under 200 ms fails healthy loopback probes when a loaded machine stalls the loop */
const I = 250;
const T = 200;
const PUBLISH_MS = 100;
const SLACK_MS = 300;
const EARLY_MS = 50;
const stalls = stallMeter();
const check = (more = '') => `{ kind: http, path: /healthz, interval: ${I}ms, timeout: ${T}ms${more} }`;
const has = (addr: string) => (s: Sample) => s.addrs.includes(addr);
const lacks = (addr: string) => (s: Sample) => !s.addrs.includes(addr);
const report = (what: string, ms: number, note: string) => console.log(`[health] ${what}: ${ms} ms (${note})`);

describe('a member that fails is left out of answers, and comes back after rise successes', () => {
  const F = 3;
  const R = 3;
  const A = '198.51.100.10';
  const B = '198.51.100.11';
  const H = '127.0.0.2';
  let s: TestServer;
  let a: Backend, b: Backend, h: Backend;
  beforeAll(async () => {
    [a, b, h] = await Promise.all([startBackend(), startBackend(), startBackend(H)]);
    const zone = poolZone(
      'hc.test.',
      '  - { name: web, pool: web }\n  - { name: slow, pool: slow }',
      `
  web:
    algorithm: round-robin
    answers: 4
    fallback: none
    health: ${check(`, fall: ${F}, rise: ${R}`)}
    members:
      - { name: a, address: ${A}, check-address: 127.0.0.1, health: { port: ${a.port} } }
      - { name: b, address: ${B}, check-address: 127.0.0.1, health: { port: ${b.port} } }
  slow:
    algorithm: round-robin
    answers: 4
    fallback: none
    health: ${check(', fall: 2, rise: 2')}
    members:
      - { name: h, address: ${H}, health: { port: ${h.port} } }
      - { name: k, address: 198.51.100.12, health: { kind: none } }`,
    );
    s = await startServer(zone);
    // past the first probe and its random phase: from here probes are one interval apart
    await until('three probes each', () => a.requests() >= 3 && b.requests() >= 3 && h.requests() >= 3);
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([a, b, h].map((x) => x?.close()));
  });

  /** Until these members are up with no failure counted (a stall can fail a probe). */
  const clean = (...ports: number[]) =>
    until('members up with no failure counted', () => ports.every((p) => healthOf(s.app, p)?.state === 'up' && healthOf(s.app, p)?.failures === 0), 5000);

  /**
   * `act`, then watch `name` until `done`: no answer before `notBefore` ms may satisfy it yet (stalls
   * only delay), and the first that does must come within `nominal` + PUBLISH_MS + SLACK_MS +
   * `probes` × the longest event-loop stall meanwhile. Resolves the samples.
   */
  const measure = async (what: string, name: string, act: () => unknown, done: (x: Sample) => boolean, o: { notBefore: number; nominal: number; probes: number; formula: string }) => {
    stalls.start();
    const t0 = Date.now();
    await act();
    const seen = await watch(s.port, name, t0, o.nominal + 10_000, done);
    const at = seen.at(-1)!.at;
    const allowed = o.nominal + PUBLISH_MS + SLACK_MS + o.probes * stalls.longest();
    report(what, at, `not before ${o.notBefore} ms; bound ${o.formula} = ${o.nominal} ms + publish ${PUBLISH_MS} + slack ${SLACK_MS} + ${o.probes} × stall ${stalls.longest()} = ${allowed} ms`);
    const early = seen.filter((x) => x.at < o.notBefore - EARLY_MS);
    expect(early.length).toBeGreaterThan(3);
    expect(early.some(done)).toBe(false);
    expect(at).toBeLessThanOrEqual(allowed);
    return seen;
  };

  it('a refused member (at its check-address) leaves within fall × interval + timeout, not before (fall − 1) × interval', async () => {
    await clean(a.port, b.port);
    const seen = await measure('refused member left answers after', 'web.hc.test', () => a.stop(), lacks(A), { notBefore: (F - 1) * I, nominal: F * I + T, probes: F, formula: 'fall × interval + timeout' });
    // answers carry the served address, never the checked one
    expect(seen.at(-1)!.addrs).toEqual([B]);
    expect(seen.flatMap((x) => x.addrs).every((x) => x === A || x === B)).toBe(true);
    const steps = explain(s.app.snapshot(), { name: 'web.hc.test' }).steps;
    expect(steps[3]).toBe('balance: pool "web" (round-robin, IPv4): eligible b; not eligible: a (down: HTTP connect refused (ECONNREFUSED))');
  });

  it('a member that comes back is served after rise successes, not within (rise − 1) intervals', async () => {
    const seen = await measure('member back in answers after', 'web.hc.test', () => a.start(), has(A), { notBefore: (R - 1) * I, nominal: R * I, probes: R, formula: 'rise × interval' });
    expect(seen.at(-1)!.addrs).toEqual([A, B]);
  });

  it('a member answering 503 is down, and explain names the reason', async () => {
    await clean(a.port, b.port);
    await measure('503 member left answers after', 'web.hc.test', () => b.set('fail'), lacks(B), { notBefore: (F - 1) * I, nominal: F * I + T, probes: F, formula: 'fall × interval + timeout' });
    const r = explain(s.app.snapshot(), { name: 'web.hc.test' });
    expect(r.answer).toEqual([`web.hc.test. 30 IN A ${A}`]);
    expect(r.steps.slice(3)).toEqual([
      'balance: pool "web" (round-robin, IPv4): eligible a; not eligible: b (down: HTTP 503 (expected 200))',
      'balance: chose a — round-robin: position 1 of 1 → a (next query starts at a); TTL 30',
    ]);
    b.set('ok');
    await watch(s.port, 'web.hc.test', Date.now(), 5000, has(B));
  });

  it('a member whose probe hangs (accepts, never answers) is down by the timeout', async () => {
    await clean(h.port);
    // fall 2: two probes, each failing only at its timeout
    const seen = await measure('hanging member left answers after', 'slow.hc.test', () => h.set('hang'), lacks(H), { notBefore: I + T, nominal: 2 * I + T, probes: 2, formula: 'fall × interval + timeout' });
    expect(seen.at(-1)!.addrs).toEqual(['198.51.100.12']);
    expect(healthOf(s.app, h.port)?.last).toMatchObject({ ok: false, detail: `HTTP timed out after ${T} ms waiting for the response` });
    expect(healthOf(s.app, h.port)!.last!.latencyMs).toBeGreaterThanOrEqual(T - 2);
    expect(explain(s.app.snapshot(), { name: 'slow.hc.test' }).steps[3]).toBe(
      `balance: pool "slow" (round-robin, IPv4): eligible k; not eligible: h (down: HTTP timed out after ${T} ms waiting for the response)`,
    );
    h.set('ok');
    await watch(s.port, 'slow.hc.test', Date.now(), 5000, has(H));
  });
});

describe('when every member is down the fallback answers, loudly', () => {
  const log = captureLogger();
  let s: TestServer;
  let x: Backend, y: Backend;
  const ERROR = 50;
  const INFO = 30;
  beforeAll(async () => {
    [x, y] = await Promise.all([startBackend(), startBackend()]);
    const members = `
    members:
      - { name: x, address: 198.51.100.20, check-address: 127.0.0.1, health: { port: ${x.port} } }
      - { name: y, address: 198.51.100.21, check-address: 127.0.0.1, health: { port: ${y.port} } }`;
    const pool = (name: string, more: string) => `  ${name}:\n    algorithm: round-robin\n    health: ${check(', fall: 2, rise: 1')}${more}${members}`;
    const zone = poolZone(
      'fb.test.',
      ['web', 'none', 'sf', 'main'].map((p) => `  - { name: ${p}, pool: ${p} }`).join('\n'),
      [
        pool('web', ''),
        pool('none', '\n    fallback: none'),
        pool('sf', '\n    fallback: none\n    empty: servfail'),
        pool('main', '\n    fallback: { pool: backup }'),
        '  backup: { algorithm: round-robin, members: [{ name: z, address: 203.0.113.50 }] }',
      ].join('\n'),
    );
    s = await startServer(zone, { logger: log.logger, waitForHealth: true });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([x?.close(), y?.close()]);
  });
  const families = ['"web" in fb.test. (IPv4, fallback all)', '"none" in fb.test. (IPv4, fallback none)', '"sf" in fb.test. (IPv4, fallback none)', '"main" in fb.test. (IPv4, fallback pool backup)'];

  it('answers normally while a member is up', async () => {
    expect(addrs(await query(s.port, 'web.fb.test'))).toHaveLength(1);
    expect(log.messages(ERROR)).toEqual([]);
  });

  it('all → every member, none → NODATA or SERVFAIL, pool → the backup pool; each logged as an error', async () => {
    stalls.start();
    const t0 = Date.now();
    x.set('fail');
    await y.stop();
    const web = (await watch(s.port, 'web.fb.test', t0, 10_000, (a) => a.addrs.length === 2)).at(-1)!;
    const allowed = 2 * I + T + PUBLISH_MS + SLACK_MS + 2 * stalls.longest();
    report('every member down → fallback all after', web.at, `bound fall × interval + timeout = ${2 * I + T} ms + publish, slack and stalls = ${allowed} ms`);
    expect(web.at).toBeLessThanOrEqual(allowed);
    expect(web.addrs.sort()).toEqual(['198.51.100.20', '198.51.100.21']);
    const none = await query(s.port, 'none.fb.test');
    expect([none.rcode, none.answers?.length, none.authorities?.[0]?.type]).toEqual(['NOERROR', 0, 'SOA']);
    expect((await query(s.port, 'sf.fb.test')).rcode).toBe('SERVFAIL');
    expect(addrs(await query(s.port, 'main.fb.test'))).toEqual(['203.0.113.50']);
    await until('the error lines', () => log.messages(ERROR).length >= 4, 3000);
    expect(log.messages(ERROR)).toEqual(families.map((f) => `pool ${f} has no eligible member: its fallback answers`));
    expect(log.lines.filter((l) => l.level === ERROR).map((l) => l.pool)).toEqual(families);
    // and each member's own change, with its reason
    expect(log.lines.filter((l) => l.level === 40).map((l) => [l.msg, l.detail])).toEqual(
      expect.arrayContaining([
        [`health: 127.0.0.1 http:${x.port} up → down`, 'HTTP 503 (expected 200)'],
        [`health: 127.0.0.1 http:${y.port} up → down`, 'HTTP connect refused (ECONNREFUSED)'],
      ]),
    );
    const steps = explain(s.app.snapshot(), { name: 'main.fb.test' }).steps;
    expect(steps.slice(3, 5)).toEqual([
      'balance: pool "main" (round-robin, IPv4): eligible none; not eligible: x (down: HTTP 503 (expected 200)), y (down: HTTP connect refused (ECONNREFUSED))',
      'balance: no eligible member in pool "main"; falling back to pool "backup"',
    ]);
  });

  it('recovery is logged, and the pools answer from their members again', async () => {
    x.set('ok');
    await watch(s.port, 'none.fb.test', Date.now(), 5000, (a) => a.addrs.length === 1);
    expect(addrs(await query(s.port, 'main.fb.test'))).toEqual(['198.51.100.20']);
    await until('the recovery lines', () => log.messages(INFO).filter((m) => m.includes('eligible members again')).length >= 4, 3000);
    expect(log.messages(INFO).filter((m) => m.includes('eligible members again'))).toEqual(families.map((f) => `pool ${f} has eligible members again`));
  });
});

describe('before the first result: initial, and waitForHealth', () => {
  // probes slow enough that the first one, held by its member, is still the only one
  const zone = (up: number, late: number, initial = 'up') =>
    poolZone(
      'init.test.',
      '  - { name: web, pool: web }',
      `
  web:
    algorithm: round-robin
    answers: 4
    health: { kind: http, path: /healthz, interval: 3s, timeout: 2s }
    members:
      - { name: up, address: 198.51.100.40, check-address: 127.0.0.1, health: { port: ${up} } }
      - { name: late, address: 198.51.100.41, check-address: 127.0.0.1, health: { port: ${late}, initial: ${initial} } }`,
    );
  const served = async (s: TestServer) => addrs(await query(s.port, 'web.init.test')).sort();

  it('initial: up is served from the start, initial: down only after its first successful probe', async () => {
    const [up, late] = await Promise.all([startBackend(), startBackend()]);
    up.set('hold');
    late.set('hold'); // both first probes wait for us
    const s = await startServer(zone(up.port, late.port, 'down'));
    try {
      await until('both first probes arrived', () => up.requests() === 1 && late.requests() === 1);
      expect(await served(s)).toEqual(['198.51.100.40']);
      expect(explain(s.app.snapshot(), { name: 'web.init.test' }).steps[3]).toBe(
        'balance: pool "web" (round-robin, IPv4): eligible up; not eligible: late (no check result yet (initial: down))',
      );
      const t = Date.now();
      late.release();
      const seen = await watch(s.port, 'web.init.test', t, 5000, has('198.51.100.41'));
      report('initial: down member served after its first success (rise does not apply)', seen.at(-1)!.at, `publish ≤ ${PUBLISH_MS} ms`);
      up.release();
    } finally {
      await s.close();
      await Promise.all([up.close(), late.close()]);
    }
  });

  it('waitForHealth: build() resolves after the first round, and the first answer already leaves out a dead member', async () => {
    const up = await startBackend();
    const dead = await startBackend();
    await dead.stop(); // refused from the start; initial: up would serve it until its first probe
    up.set('hold');
    const t = Date.now();
    let startedAt = 0;
    const starting = startServer(zone(up.port, dead.port), { waitForHealth: true }).then((s) => ((startedAt = Date.now() - t), s));
    await until('the first probe arrived', () => up.requests() === 1);
    await sleep(300);
    expect(startedAt).toBe(0); // still waiting for the held probe
    up.release();
    const s = await starting;
    try {
      expect(await served(s)).toEqual(['198.51.100.40']);
      expect(s.app.health()?.ready).toBe(true);
      report('build() with waitForHealth resolved after', startedAt, 'its first probe was held 300 ms after it arrived');
      expect(startedAt).toBeGreaterThanOrEqual(300);
    } finally {
      await s.close();
    }
    // without it, build() resolves while the first probe is still held
    up.set('hold');
    const before = up.requests();
    const plain = await startServer(zone(up.port, dead.port));
    try {
      await until('the first probe arrived', () => up.requests() === before + 1);
      expect(plain.app.health()?.ready ?? false).toBe(false);
      up.release();
      await plain.app.ready();
      expect(plain.app.health()?.ready).toBe(true);
    } finally {
      await plain.close();
      await Promise.all([up.close(), dead.close()]);
    }
  });
});

describe('what is probed', () => {
  it('a member shared by two pools is probed once; once in no pool, it is not probed any more', async () => {
    const [m, n] = await Promise.all([startBackend(), startBackend()]);
    const member = (b: Backend) => `{ name: ${b === m ? 'm' : 'n'}, address: 198.51.100.${b === m ? 50 : 51}, check-address: 127.0.0.1, health: { port: ${b.port} } }`;
    const pools = (one: Backend[], two: Backend[]) =>
      poolZone(
        'probe.test.',
        '  - { name: one, pool: one }\n  - { name: two, pool: two }',
        [['one', one] as const, ['two', two] as const].map(([p, ms]) => `  ${p}: { algorithm: round-robin, answers: 2, health: ${check()}, members: [${ms.map(member).join(', ')}] }`).join('\n'),
      );
    const s = await startServer(pools([m], [m, n]));
    try {
      await until('past the first probes', () => m.requests() >= 3 && n.requests() >= 3);
      const [m0, n0, w0] = [m.requests(), n.requests(), Date.now()];
      await sleep(10 * I);
      const [dm, dn, window] = [m.requests() - m0, n.requests() - n0, Date.now() - w0];
      console.log(`[health] probes in ${window} ms: shared member ${dm}, single member ${dn} (one per ${I} ms interval)`);
      expect(dm).toBeLessThanOrEqual(Math.floor(window / I) + 1); // probed per pool, it would be twice that
      expect(dm).toBeLessThanOrEqual(dn + 1);
      expect(s.app.health()!.members.size).toBe(2);

      s.app.setZones([zoneDef(pools([n], [m, n]))]); // still in pool two: still probed
      await until('m probed while in pool two', () => m.requests() >= m0 + dm + 2, 5 * I);
      s.app.setZones([zoneDef(pools([n], [n]))]);
      const [m1, n1] = [m.requests(), n.requests()];
      await sleep(5 * I);
      expect(m.requests()).toBeLessThanOrEqual(m1 + 1); // at most the probe already in flight
      expect(n.requests()).toBeGreaterThanOrEqual(n1 + 3);
      expect(s.app.health()!.members.size).toBe(1);
      expect(addrs(await query(s.port, 'two.probe.test'))).toEqual(['198.51.100.51']);
    } finally {
      await s.close();
      await Promise.all([m.close(), n.close()]);
    }
  });
});
