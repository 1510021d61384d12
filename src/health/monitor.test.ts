import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyResult, HealthMonitor, type HealthMonitorOptions } from './monitor.js';
import { checkKey, type CheckResult, type CheckTarget, type Checker, type HealthCheckDef, type HealthState, type HealthView, type MemberHealth } from './types.js';

// ---- helpers --------------------------------------------------------------------------------

function target(address: string, check: Partial<HealthCheckDef> = {}): CheckTarget {
  return {
    address,
    check: { kind: 'tcp', port: 80, path: '/', expectStatus: [200], insecure: false, intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3, initial: 'up', ...check },
  };
}

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

const pass = (detail = 'connected'): CheckResult => ({ ok: true, latencyMs: 1, detail });
const fail = (detail = 'connection refused'): CheckResult => ({ ok: false, latencyMs: 1, detail });

/** mulberry32: seeded, so jitter is the same on every run */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Waits `ms` on the (fake) clock, rejecting when the signal aborts, as a well-behaved checker does. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

const never = () => new Promise<never>(() => {});

type Behaviour = (address: string, n: number, signal: AbortSignal) => CheckResult | Promise<CheckResult>;

/** A fake checker that records every call (time, signal) and how many probes were in flight. */
function fakeChecker(behave: Behaviour = () => pass()) {
  const rec = {
    calls: new Map<string, number>(),
    starts: [] as { address: string; at: number }[],
    signals: new Map<string, AbortSignal[]>(),
    inFlight: 0,
    maxInFlight: 0,
    count: (address: string) => rec.calls.get(address) ?? 0,
    checker: (async (t, signal) => {
      const n = rec.count(t.address) + 1;
      rec.calls.set(t.address, n);
      rec.starts.push({ address: t.address, at: Date.now() });
      rec.signals.set(t.address, [...(rec.signals.get(t.address) ?? []), signal]);
      rec.inFlight++;
      rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
      try {
        return await behave(t.address, n, signal);
      } finally {
        rec.inFlight--;
      }
    }) as Checker,
  };
  return rec;
}

let monitors: HealthMonitor[] = [];

function startMonitor(checker: Checker, opts: Partial<HealthMonitorOptions> = {}) {
  const views: HealthView[] = [];
  const viewTimes: number[] = [];
  const monitor = new HealthMonitor({
    checkerFor: () => checker,
    onView: (v) => (views.push(v), viewTimes.push(Date.now())),
    random: seeded(1),
    ...opts,
  });
  monitors.push(monitor);
  return { monitor, views, viewTimes };
}

const health = (view: HealthView, t: CheckTarget): MemberHealth | undefined => view.members.get(checkKey(t));
const stateOf = (view: HealthView, t: CheckTarget): HealthState | undefined => health(view, t)?.state;

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

afterEach(() => {
  for (const m of monitors) m.stop();
  monitors = [];
  vi.useRealTimers();
});

// ---- rise / fall ----------------------------------------------------------------------------

describe('applyResult (rise/fall)', () => {
  function run(from: HealthState, rise: number, fall: number, results: string): string {
    let h: MemberHealth = { state: from, since: 0, successes: 0, failures: 0 };
    return results
      .split(' ')
      .map((r, i) => (h = applyResult(h, { ...(r === '+' ? pass() : fail()), at: i + 1 }, { rise, fall })).state)
      .join(' ');
  }

  it.each([
    // from unknown the first result decides at once, both ways
    ['unknown', 2, 3, '+ - - - + +', 'up up up down down up'],
    ['unknown', 2, 3, '- + + - -', 'down down up up up'],
    ['unknown', 5, 5, '-', 'down'],
    ['unknown', 5, 5, '+', 'up'],
    // up needs `fall` consecutive failures; a success resets the run
    ['up', 2, 3, '- - + - - -', 'up up up up up down'],
    // down needs `rise` consecutive successes; a failure resets the run
    ['down', 3, 2, '+ + - + + +', 'down down down down down up'],
    ['up', 1, 1, '- + - +', 'down up down up'],
    // flapping below both thresholds never changes the state
    ['up', 2, 2, '- + - + - +', 'up up up up up up'],
    ['down', 2, 2, '+ - + - + -', 'down down down down down down'],
    // rise/fall below 1 behave as 1
    ['up', 0, 0, '- +', 'down up'],
  ])('from %s, rise %i fall %i: %s → %s', (from, rise, fall, results, states) => {
    expect(run(from as HealthState, rise, fall, results)).toBe(states);
  });

  it('keeps the last result, counts runs, and moves `since` only on a change', () => {
    let h: MemberHealth = { state: 'up', since: 0, successes: 4, failures: 0 };
    h = applyResult(h, { ok: false, latencyMs: 12, detail: 'HTTP 503', at: 1000 }, { rise: 2, fall: 2 });
    expect(h).toEqual({ state: 'up', since: 0, successes: 0, failures: 1, last: { ok: false, latencyMs: 12, detail: 'HTTP 503', at: 1000 } });
    h = applyResult(h, { ok: false, latencyMs: 13, detail: 'HTTP 503', at: 2000 }, { rise: 2, fall: 2 });
    expect(h).toMatchObject({ state: 'down', since: 2000, failures: 2 });
    expect(Object.isFrozen(h) && Object.isFrozen(h.last)).toBe(true);
  });
});

// ---- the monitor on fake timers -------------------------------------------------------------

describe('HealthMonitor', () => {
  // setImmediate stays real: it is the end of the loop's turn, where a timed-out probe's own report is taken
  beforeEach(() => vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));

  it('applies rise/fall to a scripted sequence of probe results', async () => {
    const script = '+ - - + - + + -'.split(' ');
    const fake = fakeChecker((_a, n) => (script[n - 1] === '+' ? pass() : fail()));
    // random 0 → the phase after the first probe is a full interval: probes at 0, 1000, 2000…
    const { monitor } = startMonitor(fake.checker, { random: () => 0 });
    const t = target('192.0.2.1', { rise: 2, fall: 2 });
    monitor.setTargets([t]);
    const states: (HealthState | undefined)[] = [];
    for (let i = 0; i < script.length; i++) {
      await vi.advanceTimersByTimeAsync(i === 0 ? 500 : 1000);
      states.push(stateOf(monitor.view(), t));
    }
    expect(states.join(' ')).toBe('up up down down down down up up');
    expect(fake.count('192.0.2.1')).toBe(script.length);
  });

  it('cold start: probes every target at once, publishes unknown first, and is ready after the first round', async () => {
    const targets = addresses(20).map((a) => target(a));
    const fake = fakeChecker(async (_a, _n, signal) => (await sleep(300, signal), pass()));
    const { monitor, views } = startMonitor(fake.checker);
    let ready = false;
    void monitor.ready().then(() => (ready = true));
    expect(monitor.view()).toMatchObject({ ready: false, generation: 0 });
    monitor.setTargets(targets);
    expect(fake.calls.size).toBe(20); // at once, before any timer ran
    await vi.advanceTimersByTimeAsync(100);
    expect(views).toHaveLength(1);
    expect(views[0].ready).toBe(false);
    expect(targets.map((t) => stateOf(views[0], t))).toEqual(Array(20).fill('unknown'));
    await vi.advanceTimersByTimeAsync(299);
    expect(ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ready).toBe(true);
    expect(monitor.view().ready).toBe(true);
    expect(targets.map((t) => stateOf(monitor.view(), t))).toEqual(Array(20).fill('up'));
    expect(health(monitor.view(), targets[0])?.last).toEqual({ ...pass(), at: 300 });
  });

  it('initial down: published as unknown before the first result, which then decides at once', async () => {
    const fake = fakeChecker(async (_a, n, signal) => (await sleep(200, signal), n === 1 ? pass('HTTP 200') : fail('HTTP 503')));
    const { monitor } = startMonitor(fake.checker, { random: () => 0 });
    const t = target('192.0.2.7', { initial: 'down', rise: 3, fall: 2 });
    monitor.setTargets([t]);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), t)).toEqual({ state: 'unknown', since: 0, successes: 0, failures: 0 });
    await vi.advanceTimersByTimeAsync(200);
    expect(health(monitor.view(), t)).toMatchObject({ state: 'up', since: 200, successes: 1, last: { detail: 'HTTP 200' } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(stateOf(monitor.view(), t)).toBe('up'); // one failure of fall 2
    await vi.advanceTimersByTimeAsync(1000);
    expect(stateOf(monitor.view(), t)).toBe('down');
  });

  it('ready() also covers an empty target set, and targets added later do not undo readiness', async () => {
    const fake = fakeChecker(() => never());
    const { monitor } = startMonitor(fake.checker);
    monitor.setTargets([]);
    await vi.advanceTimersByTimeAsync(100);
    await expect(monitor.ready()).resolves.toBeUndefined();
    monitor.setTargets([target('192.0.2.1')]);
    await vi.advanceTimersByTimeAsync(100);
    expect(monitor.view().ready).toBe(true);
    expect(stateOf(monitor.view(), target('192.0.2.1'))).toBe('unknown');
  });

  it('a target removed before its first result does not hold readiness back', async () => {
    const fake = fakeChecker((a) => (a === '192.0.2.1' ? never() : pass()));
    const { monitor } = startMonitor(fake.checker, { publishMs: 10 });
    let ready = false;
    void monitor.ready().then(() => (ready = true));
    monitor.setTargets([target('192.0.2.1'), target('192.0.2.2')]);
    await vi.advanceTimersByTimeAsync(50);
    expect(ready).toBe(false);
    monitor.setTargets([target('192.0.2.2')]);
    await vi.advanceTimersByTimeAsync(10);
    expect(ready).toBe(true);
  });

  it("at the timeout fires the probe's signal and keeps the checker's own words for it, still as a failure", async () => {
    const words = target('192.0.2.67', { timeoutMs: 300, fall: 1 });
    // honours its signal like the real checkers: rejects inside, reports where the time went
    const fake = fakeChecker(async (_a, _n, signal) => {
      try {
        await sleep(10_000, signal);
        return pass();
      } catch {
        return { ok: true, latencyMs: 299, detail: 'HTTP timed out after 300 ms waiting for the response' };
      }
    });
    const { monitor } = startMonitor(fake.checker);
    monitor.setTargets([words]);
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.signals.get(words.address)![0].aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), words)).toMatchObject({
      state: 'down',
      last: { ok: false, latencyMs: 300, detail: 'HTTP timed out after 300 ms waiting for the response', at: 300 },
    });
  });

  it('marks a hanging checker down at the timeout without delaying another target', async () => {
    const hanging = target('192.0.2.66', { timeoutMs: 300, fall: 1 });
    const healthy = target('192.0.2.1', { timeoutMs: 300 });
    const fake = fakeChecker((a) => (a === hanging.address ? never() : pass())); // ignores its signal
    const { monitor } = startMonitor(fake.checker, { concurrency: 2, random: () => 0.5 });
    monitor.setTargets([hanging, healthy]);
    await vi.advanceTimersByTimeAsync(299);
    expect(fake.signals.get(hanging.address)![0].aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.signals.get(hanging.address)![0].aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), hanging)).toMatchObject({ state: 'down', last: { ok: false, latencyMs: 300, detail: 'timed out after 300 ms', at: 300 } });
    await vi.advanceTimersByTimeAsync(10_000 - 400);
    // the healthy one ran exactly on its schedule: 0, then its phase (500), then every 1000
    const healthyStarts = fake.starts.filter((s) => s.address === healthy.address).map((s) => s.at);
    expect(healthyStarts).toEqual([0, 500, 1500, 2500, 3500, 4500, 5500, 6500, 7500, 8500, 9500]);
    expect(fake.count(hanging.address)).toBe(11);
    expect(stateOf(monitor.view(), healthy)).toBe('up');
  });

  it('never runs more probes (checks and load reads) than the concurrency limit, queueing the rest by due time', async () => {
    const random = seeded(7);
    let loadsInFlight = 0;
    const fake = fakeChecker(async (_a, _n, signal) => (await sleep(5 + Math.floor(random() * 25), signal), pass()));
    let maxTotal = 0;
    const countingChecker: Checker = async (t, signal) => {
      const p = fake.checker(t, signal);
      maxTotal = Math.max(maxTotal, fake.inFlight + loadsInFlight);
      return p;
    };
    const readLoad = async (_t: CheckTarget, signal: AbortSignal) => {
      loadsInFlight++;
      maxTotal = Math.max(maxTotal, fake.inFlight + loadsInFlight);
      try {
        await sleep(5 + Math.floor(random() * 25), signal);
        return 3;
      } finally {
        loadsInFlight--;
      }
    };
    const targets = addresses(100).map((a, i) => target(a, i % 2 ? { load: { kind: 'json', path: '/load', field: 'active' } } : {}));
    const { monitor } = startMonitor(countingChecker, { concurrency: 8, readLoad });
    monitor.setTargets(targets);
    expect(fake.calls.size).toBe(8);
    await vi.advanceTimersByTimeAsync(5000);
    expect(maxTotal).toBe(8);
    for (const t of targets) expect(fake.count(t.address)).toBeGreaterThanOrEqual(4);
    expect(health(monitor.view(), targets[1])?.load?.connections).toBe(3);
  });

  it('starts due probes first in first out when the budget is full', async () => {
    const fake = fakeChecker(async (_a, _n, signal) => (await sleep(10, signal), pass()));
    const targets = addresses(5).map((a) => target(a));
    const { monitor } = startMonitor(fake.checker, { concurrency: 1, random: () => 0 });
    monitor.setTargets(targets);
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.starts.map((s) => [s.address, s.at])).toEqual(targets.map((t, i) => [t.address, 10 * i]));
  });

  it('spreads 1,000 targets over the interval after the first round', async () => {
    const fake = fakeChecker();
    const { monitor } = startMonitor(fake.checker, { random: seeded(42) });
    monitor.setTargets(addresses(1000).map((a) => target(a)));
    await vi.advanceTimersByTimeAsync(5000);
    const buckets = new Array<number>(40).fill(0);
    for (const s of fake.starts) if (s.at >= 1000 && s.at < 5000) buckets[Math.floor((s.at - 1000) / 100)]++;
    const average = buckets.reduce((a, b) => a + b, 0) / buckets.length;
    expect(average).toBeCloseTo(100, -1);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(3 * average);
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(average / 3);
  });

  it('setTargets: a removed target stops at once (probe aborted, never probed again) and leaves the view', async () => {
    const busy = target('192.0.2.1');
    const idle = target('192.0.2.2');
    const kept = target('192.0.2.3');
    const fake = fakeChecker((a, n) => (a === busy.address && n === 2 ? never() : pass()));
    const { monitor } = startMonitor(fake.checker, { random: () => 0 });
    monitor.setTargets([busy, idle, kept]);
    await vi.advanceTimersByTimeAsync(1100); // busy's second probe is hanging, idle waits for 2000
    const signal = fake.signals.get(busy.address)![1];
    expect(signal.aborted).toBe(false);
    monitor.setTargets([kept]);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('target removed');
    await vi.advanceTimersByTimeAsync(10_000);
    expect([fake.count(busy.address), fake.count(idle.address), fake.count(kept.address)]).toEqual([2, 2, 12]);
    expect([...monitor.view().members.keys()]).toEqual([checkKey(kept)]);
    // added again: a fresh start, probed at once
    monitor.setTargets([kept, busy]);
    expect(fake.count(busy.address)).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), busy)).toMatchObject({ state: 'up', successes: 1 });
  });

  it('forget: called once for each removed target, and for every target when the monitor stops', async () => {
    const forgotten: CheckTarget[] = [];
    const [a, b, c] = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((x) => target(x));
    const { monitor } = startMonitor(fakeChecker().checker, { forget: (t) => void forgotten.push(t) });
    monitor.setTargets([a, b, c]);
    await vi.advanceTimersByTimeAsync(100);
    // equal content in new objects is the same target: kept, not forgotten
    monitor.setTargets([target('192.0.2.1'), c]);
    expect(forgotten).toEqual([b]);
    expect(forgotten[0]).toBe(b);
    monitor.stop();
    expect(forgotten).toHaveLength(3);
    expect(forgotten[1]).toBe(a); // the object the monitor has probed with all along
    expect(forgotten[2]).toBe(c);
  });

  it("reuses a target's signal for its next probes, at most 8, and never one that fired", async () => {
    const steady = target('192.0.2.1');
    const hanging = target('192.0.2.3', { timeoutMs: 300 });
    const fake = fakeChecker((a, n) => (a === hanging.address && n === 1 ? never() : pass()));
    const { monitor } = startMonitor(fake.checker, { random: () => 0 });
    monitor.setTargets([steady, hanging]);
    await vi.advanceTimersByTimeAsync(9100);
    const [c, h] = [steady, hanging].map((t) => fake.signals.get(t.address)!);
    expect(c).toHaveLength(10);
    // 8 probes on one signal, then a new one: listeners a checker leaves behind stay few
    expect(c.map((x) => c.indexOf(x))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 8, 8]);
    expect(h[0].aborted).toBe(true); // fired at the timeout: the next probe gets a new one
    expect(h[1]).not.toBe(h[0]);
    expect(h[2]).toBe(h[1]);
  });

  it('starts the probes due before the next wake-up together, early, and keeps each on its own schedule', async () => {
    const fake = fakeChecker();
    // phases 1000, 990, 980, 970, 960 ms after the first round
    const phases = [0, 0.01, 0.02, 0.03, 0.04];
    let i = 0;
    const targets = addresses(5).map((x) => target(x));
    const { monitor } = startMonitor(fake.checker, { wakeGapMs: 25, random: () => phases[i++ % 5] });
    monitor.setTargets(targets);
    await vi.advanceTimersByTimeAsync(1100);
    const second = fake.starts.filter((s) => s.at > 0).map((s) => s.at);
    // the timer fires at 960 (on time); the next wake-up is not before 985, so 970 and 980 start
    // now, early; then 990 (on time) and 1000 (early) together
    expect(second).toEqual([960, 960, 960, 990, 990]);
    // early starts do not move the schedule: each next probe is due one interval after the last was
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.starts.filter((s) => s.at > 1100).map((s) => s.at)).toEqual([1960, 1960, 1960, 1990, 1990]);
  });

  it('wakes at most every tenth of the shortest interval when that is less than wakeGapMs', async () => {
    const fake = fakeChecker();
    const phases = [0, 0.05, 0.1, 0.15, 0.2];
    let i = 0;
    const { monitor } = startMonitor(fake.checker, { wakeGapMs: 100, random: () => phases[i++ % 5] });
    monitor.setTargets(addresses(5).map((x) => target(x, { intervalMs: 200, timeoutMs: 100 })));
    await vi.advanceTimersByTimeAsync(250);
    // due at 200, 190, 180, 170, 160; intervals of 200 ms make the gap 20 ms (100 would start all
    // five at 160): the wake at 160 starts those due before 180, the one at 190 the rest
    expect(fake.starts.filter((s) => s.at > 0).map((s) => s.at)).toEqual([160, 160, 160, 190, 190]);
  });

  it('with wakeGapMs 0, every probe starts exactly when due', async () => {
    const fake = fakeChecker();
    const phases = [0, 0.01, 0.02, 0.03, 0.04];
    let i = 0;
    const { monitor } = startMonitor(fake.checker, { wakeGapMs: 0, random: () => phases[i++ % 5] });
    monitor.setTargets(addresses(5).map((x) => target(x)));
    await vi.advanceTimersByTimeAsync(1100);
    expect(fake.starts.filter((s) => s.at > 0).map((s) => s.at)).toEqual([960, 970, 980, 990, 1000]);
  });

  it('setTargets: an added target is probed at once, others keep their schedule and state', async () => {
    const fake = fakeChecker();
    const [a, b, c] = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((x) => target(x));
    const { monitor } = startMonitor(fake.checker, { random: () => 0 });
    monitor.setTargets([a, b]);
    await vi.advanceTimersByTimeAsync(400);
    const before = health(monitor.view(), a);
    monitor.setTargets([a, b, c]);
    expect([fake.count(a.address), fake.count(b.address), fake.count(c.address)]).toEqual([1, 1, 1]);
    expect(fake.starts.at(-1)).toEqual({ address: c.address, at: 400 });
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), a)).toBe(before);
    expect(stateOf(monitor.view(), c)).toBe('up');
  });

  it('probes a target listed twice (same check key from two pools) once', async () => {
    const fake = fakeChecker();
    const { monitor } = startMonitor(fake.checker);
    const t = target('192.0.2.1');
    monitor.setTargets([t, target('192.0.2.1'), target('192.0.2.1', { port: 8080 })]);
    expect(fake.starts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(monitor.view().members.size).toBe(2);
  });

  it('keeps 10,000 targets on a 1 s interval going for 10 s: each probed about 10 times', async () => {
    const fake = fakeChecker();
    const targets = addresses(10_000).map((a) => target(a));
    const { monitor, views, viewTimes } = startMonitor(fake.checker);
    monitor.setTargets(targets);
    await vi.advanceTimersByTimeAsync(10_000);
    const counts = targets.map((t) => fake.count(t.address));
    // at 0, at a random phase, then every second; up to one wake gap (100 ms) early
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...counts)).toBeLessThanOrEqual(12);
    const startsOf = new Map<string, number[]>();
    for (const s of fake.starts) startsOf.set(s.address, [...(startsOf.get(s.address) ?? []), s.at]);
    for (const starts of startsOf.values()) {
      for (let k = 2; k < starts.length; k++) expect(Math.abs(starts[k] - starts[k - 1] - 1000)).toBeLessThanOrEqual(100);
    }
    expect(fake.maxInFlight).toBeLessThanOrEqual(64);
    expect(monitor.view().members.size).toBe(10_000);
    // views at most every publishMs
    for (let i = 1; i < viewTimes.length; i++) expect(viewTimes[i] - viewTimes[i - 1]).toBeGreaterThanOrEqual(100);
    expect(views.length).toBeLessThanOrEqual(101);
  });

  it('records a checker that throws or rejects as a failure and keeps probing', async () => {
    const fake = fakeChecker((a, n) => {
      if (a === '192.0.2.1' && n === 2) throw new Error('bug in checker');
      if (a === '192.0.2.1' && n === 3) return Promise.reject(new Error('socket exploded'));
      return pass();
    });
    const t = target('192.0.2.1', { fall: 1 });
    const other = target('192.0.2.2');
    const details: string[] = [];
    const { monitor } = startMonitor(fake.checker, { random: () => 0, onView: (v) => details.push(`${health(v, t)?.state} ${health(v, t)?.last?.detail}`) });
    monitor.setTargets([t, other]);
    await vi.advanceTimersByTimeAsync(4500);
    // a view goes out on each change of state; results that confirm the state wait for the next one
    expect(details).toEqual(['up connected', 'down checker failed: bug in checker', 'up connected']);
    expect(health(monitor.view(), t)).toMatchObject({ state: 'up', successes: 2, failures: 0 });
    expect(fake.count(other.address)).toBe(5);
  });

  it('treats a kind with no checker as a failing probe', async () => {
    const { monitor } = startMonitor(fakeChecker().checker, {
      checkerFor: (kind) => {
        throw new Error(`no checker for ${kind}`);
      },
    });
    const t = target('192.0.2.1', { kind: 'dns' });
    monitor.setTargets([t]);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), t)).toMatchObject({ state: 'down', last: { ok: false, detail: 'checker failed: no checker for dns' } });
  });

  it('coalesces changes: many results within publishMs make one view, and no change makes none', async () => {
    const targets = addresses(50).map((a) => target(a, { intervalMs: 60_000 }));
    const fake = fakeChecker(async (a, _n, signal) => (await sleep(2 * targets.findIndex((t) => t.address === a), signal), pass()));
    const { monitor, views } = startMonitor(fake.checker, { random: () => 0 });
    monitor.setTargets(targets);
    await vi.advanceTimersByTimeAsync(100);
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ ready: true, generation: 1 });
    expect(targets.every((t) => stateOf(views[0], t) === 'up')).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(views).toHaveLength(1);
    expect(monitor.view()).toBe(views[0]);
    // views are immutable: their maps refuse changes and their records are frozen
    expect(() => (views[0].members as Map<string, MemberHealth>).delete(checkKey(targets[0]))).toThrow();
    expect(Object.isFrozen(health(views[0], targets[0]))).toBe(true);
  });

  it('reads load after a passing probe only, keeping the last figure when a read fails', async () => {
    const t = target('192.0.2.1', { load: { kind: 'nginx-stub-status', path: '/nginx_status' }, fall: 1 });
    const checks = ['+', '+', '-', '+'];
    const loads: (number | Error)[] = [17, new Error('HTTP 404'), 5];
    let reads = 0;
    const fake = fakeChecker((_a, n) => (checks[n - 1] === '+' ? pass() : fail()));
    const readLoad = async () => {
      const figure = loads[reads++];
      if (figure instanceof Error) throw figure;
      return figure;
    };
    const { monitor } = startMonitor(fake.checker, { readLoad, random: () => 0 });
    monitor.setTargets([t]);
    await vi.advanceTimersByTimeAsync(100);
    expect(health(monitor.view(), t)).toMatchObject({ load: { connections: 17, at: 0 } });
    expect(health(monitor.view(), t)?.loadError).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(health(monitor.view(), t)).toMatchObject({ load: { connections: 17, at: 0 }, loadError: 'load read failed: HTTP 404' });
    await vi.advanceTimersByTimeAsync(1000); // failed check: no load read
    expect(reads).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(health(monitor.view(), t)).toMatchObject({ load: { connections: 5, at: 3000 } });
    expect(health(monitor.view(), t)?.loadError).toBeUndefined();
  });

  it('logs state changes with the reason', async () => {
    const script = '+ - - +'.split(' ');
    const fake = fakeChecker((_a, n) => (script[n - 1] === '+' ? pass('HTTP 200') : fail('HTTP 503')));
    const { logger, lines } = capturingLogger();
    const { monitor } = startMonitor(fake.checker, { logger, random: () => 0 });
    monitor.setTargets([target('192.0.2.1', { rise: 1, fall: 2, kind: 'http' })]);
    await vi.advanceTimersByTimeAsync(3500);
    const changes = lines.map(({ level, target, check, from, to, detail }) => ({ level, target, check, from, to, detail }));
    expect(changes).toEqual([
      { level: 20, target: '192.0.2.1', check: 'http:80', from: 'unknown', to: 'up', detail: 'HTTP 200' },
      { level: 40, target: '192.0.2.1', check: 'http:80', from: 'up', to: 'down', detail: 'HTTP 503' },
      { level: 30, target: '192.0.2.1', check: 'http:80', from: 'down', to: 'up', detail: 'HTTP 200' },
    ]);
  });

  it('logs an onView that throws and keeps publishing', async () => {
    const { logger, lines } = capturingLogger();
    let calls = 0;
    const { monitor } = startMonitor(fakeChecker((_a, n) => (n % 2 ? pass() : fail())).checker, {
      logger,
      random: () => 0,
      onView: () => {
        calls++;
        throw new Error('snapshot build failed');
      },
    });
    monitor.setTargets([target('192.0.2.1', { rise: 1, fall: 1 })]); // every result flips the state
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(3);
    expect(lines.filter((l) => l.level === 50 && /onView threw/.test(String(l.msg)))).toHaveLength(3);
    expect(monitor.view().generation).toBe(3);
  });

  it('keeps going when random() and the logger throw', async () => {
    const fake = fakeChecker((_a, n) => (n % 2 ? pass() : fail()));
    const logger = pino({ level: 'debug' }, { write: () => { throw new Error('disk full'); } });
    const random = () => {
      throw new Error('no entropy');
    };
    const { monitor } = startMonitor(fake.checker, { logger, random });
    const t = target('192.0.2.1', { fall: 1, rise: 1 });
    monitor.setTargets([t]);
    await vi.advanceTimersByTimeAsync(5500);
    expect(fake.count(t.address)).toBe(6);
    expect(health(monitor.view(), t)).toMatchObject({ state: 'down', failures: 1 });
  });

  it('removing and re-adding thousands of waiting targets never probes one twice', async () => {
    const fake = fakeChecker();
    const targets = addresses(3000).map((a) => target(a, { intervalMs: 60_000 }));
    const { monitor } = startMonitor(fake.checker, { random: () => 0, concurrency: 10_000 });
    monitor.setTargets(targets);
    await vi.advanceTimersByTimeAsync(100);
    for (let round = 0; round < 3; round++) {
      monitor.setTargets([]);
      monitor.setTargets(targets);
    }
    await vi.advanceTimersByTimeAsync(60_000);
    // one cold-start probe, three re-adds, then one probe of the last incarnation at 60 s
    expect(targets.every((t) => fake.count(t.address) === 5)).toBe(true);
    // stale queue entries were compacted rather than left to pile up
    expect((monitor as unknown as { due: { size: number } }).due.size).toBeLessThanOrEqual(3000 + 1025);
  });

  it('stop() aborts probes in flight, ends scheduling and publishing, and rejects a pending ready()', async () => {
    const fake = fakeChecker(() => never());
    const { monitor, views } = startMonitor(fake.checker);
    monitor.setTargets([target('192.0.2.1')]);
    const ready = monitor.ready();
    monitor.stop();
    expect(fake.signals.get('192.0.2.1')![0].aborted).toBe(true);
    await expect(ready).rejects.toThrow(/stopped/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.count('192.0.2.1')).toBe(1);
    expect(views).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

// ---- real timers ----------------------------------------------------------------------------

describe('HealthMonitor on real timers', () => {
  it('probes on a tiny interval, gets ready, and times out a hanging checker', async () => {
    const fake = fakeChecker((a) => (a === '192.0.2.66' ? never() : pass()));
    const { monitor, views } = startMonitor(fake.checker, { publishMs: 5, random: Math.random });
    const ok = target('192.0.2.1', { intervalMs: 20, timeoutMs: 10 });
    const hanging = target('192.0.2.66', { intervalMs: 20, timeoutMs: 10 });
    monitor.setTargets([ok, hanging]);
    await monitor.ready();
    expect(stateOf(monitor.view(), hanging)).toBe('down');
    await new Promise((resolve) => setTimeout(resolve, 200));
    monitor.stop();
    expect(fake.count(ok.address)).toBeGreaterThanOrEqual(5);
    expect(fake.count(hanging.address)).toBeGreaterThanOrEqual(5);
    expect(stateOf(views.at(-1)!, ok)).toBe('up');
    expect(health(views.at(-1)!, hanging)?.last?.detail).toBe('timed out after 10 ms');
  });
});
