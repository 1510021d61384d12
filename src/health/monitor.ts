/**
 * The health monitor: probes every distinct check target, applies rise/fall, and publishes
 * frozen HealthViews. It is the only writer of health; everything else reads views (gdnsd's
 * health table). Inputs (targets) and outputs (views) are plain data, so checking can later move
 * to another process or be shared between instances.
 *
 * Scheduling: one timer drives a queue ordered by due time. It fires at most every wake gap
 * (`wakeGapMs`, 100 ms, or a tenth of the shortest interval if that is less), and each time it
 * starts every probe due before the next wake-up: a probe starts up to one gap early, never late,
 * and the thread wakes ten times a second instead of once per probe. A new target is due at once
 * (cold start, or a member added later); after its first probe its phase is randomised within its
 * interval, then each probe is due one interval after the previous one was due (so starting early
 * does not make probes more frequent), or after it started if the monitor fell a whole interval
 * behind. A target has at
 * most one probe in flight (a check and then its load read), and at most `concurrency` probes
 * run overall; due targets beyond that wait in due-time order. Each probe's AbortSignal fires at
 * the check's timeoutMs, and the probe counts as failed then even if the checker ignores it. A
 * target removed (or the monitor stopped) is handed to `forget`, which closes the connection an
 * http check with `keepalive` kept for it.
 */
import type { Logger } from 'pino';
import { DueQueue, withDeadline, type Outcome } from './schedule.js';
import { checkKey } from './types.js';
import type { CheckKind, CheckResult, CheckTarget, Checker, HealthCheckDef, HealthView, LoadReader, MemberHealth } from './types.js';
import { EMPTY_HEALTH_VIEW, freezeHealthView } from './view.js';

export interface HealthMonitorOptions {
  /** the checker for a kind of check (src/health/checkers.ts in production, fakes in tests) */
  checkerFor: (kind: CheckKind) => Checker;
  /** reads a member's connection count, for targets whose check has `load` */
  readLoad?: LoadReader;
  /** a target is no longer probed (removed, or the monitor stopped): close what the checker kept for it */
  forget?: (target: CheckTarget) => void;
  /** probes (checks and load reads) in flight at once, over all targets; default 64 */
  concurrency?: number;
  /** publish a new view at most this often, and only when something changed; default 100 ms */
  publishMs?: number;
  /**
   * the scheduling timer fires at most this often (default 100 ms, and at most a tenth of the
   * shortest interval): probes due before the next wake-up start together, early, instead of one
   * wake-up each (see `arm`)
   */
  wakeGapMs?: number;
  /** receives each new view; it must not mutate it (views are frozen) */
  onView: (view: HealthView) => void;
  /** state changes, with the reason; errors the loop survived */
  logger?: Logger;
  /** the clock; must agree with setTimeout (Date.now, or vitest's fake timers) */
  now?: () => number;
  /** uniform in [0,1): randomises each target's phase after its first probe */
  random?: () => number;
}

/** One distinct target and the monitor's working state for it. */
interface Entry {
  readonly key: string;
  readonly target: CheckTarget;
  /** frozen; replaced on every change, so a published view never changes under its reader */
  health: MemberHealth;
  /** probes started so far */
  probes: number;
  /** waiting in the due queue */
  queued: boolean;
  /** when the probe waiting or in flight was due */
  due: number;
  /** stops the probe in flight, if any */
  cancel?: (reason: unknown) => void;
  /** the controller of the last probe, for the next ones while it never fired (see `controllerFor`) */
  spare?: AbortController;
  /** probes and load reads that used `spare` */
  spareUses: number;
  removed: boolean;
}

/** The wake gap unless a tenth of an interval is shorter (ms). */
const DEFAULT_WAKE_GAP_MS = 100;

const intervalOf = (target: CheckTarget): number => Math.max(1, target.check.intervalMs || 0);

/** A target's controller serves this many probes at most, so listeners a checker leaves behind stay few. */
const MAX_CONTROLLER_USES = 8;

/**
 * The controller for an entry's next probe or load read: the last one again while it never fired
 * (only the monitor fires it: at a timeout, when the target goes, at stop) and has served fewer
 * than MAX_CONTROLLER_USES, else a new one. In Node 20 creating an AbortSignal cost about 2.5 µs,
 * and every look at one (aborted, its listeners) missed V8's inline caches (each signal is a
 * dictionary-mode object with a map of its own): together about a quarter of the monitor's own CPU per probe. Hence no look at the
 * signal here, only the entry's own bookkeeping.
 */
function controllerFor(entry: Entry): AbortController {
  if (entry.spare && entry.spareUses < MAX_CONTROLLER_USES) {
    entry.spareUses++;
    return entry.spare;
  }
  entry.spareUses = 1;
  return (entry.spare = new AbortController());
}

/**
 * Rise/fall, the one place anti-flap logic lives. From `unknown` the first result decides at
 * once (up if ok, down if not), so a cold start is never stuck waiting for `rise` results while
 * the snapshot assumes `check.initial`; `initial` only says what to assume before that result.
 * Afterwards `fall` consecutive failures take an up member down and `rise` consecutive
 * successes bring a down member up; results that do not complete a run only move the counters.
 */
export function applyResult(prev: MemberHealth, result: CheckResult & { at: number }, check: Pick<HealthCheckDef, 'rise' | 'fall'>): MemberHealth {
  const successes = result.ok ? prev.successes + 1 : 0;
  const failures = result.ok ? 0 : prev.failures + 1;
  let state = prev.state;
  if (state === 'unknown') state = result.ok ? 'up' : 'down';
  else if (state === 'down' && successes >= Math.max(1, check.rise)) state = 'up';
  else if (state === 'up' && failures >= Math.max(1, check.fall)) state = 'down';
  const since = state === prev.state ? prev.since : result.at;
  // written out rather than spread: spreading a frozen object took V8's slow path on every result
  const last = Object.freeze({ ok: result.ok, latencyMs: result.latencyMs, detail: result.detail, at: result.at });
  const next: MemberHealth = { state, since, successes, failures, last };
  if (prev.load) next.load = prev.load;
  if (prev.loadError !== undefined) next.loadError = prev.loadError;
  return Object.freeze(next);
}

const MAX_STALE = 1024;

export class HealthMonitor {
  private readonly opts: HealthMonitorOptions;
  private readonly concurrency: number;
  private readonly publishMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly due = new DueQueue<Entry>();
  /** removed entries still sitting in `due` */
  private stale = 0;
  private inFlight = 0;
  private pumping = false;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  /** when the scheduling timer last fired */
  private wokeAt = -Infinity;
  private readonly wakeGapMs: number;
  /** the wake gap in force: wakeGapMs, or a tenth of the shortest interval if that is less */
  private gap: number;
  private stopped = false;

  private targetsSet = false;
  /** known targets without a first result yet */
  private awaitingFirst = 0;
  private isReady = false;
  private readonly readyPromise: Promise<void>;
  private settleReady!: (error?: Error) => void;
  private readySettled = false;

  private current: HealthView = EMPTY_HEALTH_VIEW;
  private dirty = false;
  private publishTimer?: NodeJS.Timeout;

  constructor(opts: HealthMonitorOptions) {
    this.opts = opts;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 64) || 64);
    this.publishMs = Math.max(0, opts.publishMs ?? 100) || 0;
    this.wakeGapMs = Math.max(0, opts.wakeGapMs ?? DEFAULT_WAKE_GAP_MS) || 0;
    this.gap = this.wakeGapMs;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => {
        this.readySettled = true;
        if (error) reject(error);
        else resolve();
      };
    });
    this.readyPromise.catch(() => {}); // stop() before ready rejects only for those who wait
  }

  /**
   * The full desired set of targets. Targets are told apart by checkKey, so one shared by two
   * pools is probed once. New targets are probed at once; targets no longer listed stop at once
   * (their probe in flight is aborted) and leave the next view. Others keep their state.
   */
  setTargets(targets: readonly CheckTarget[]): void {
    if (this.stopped) return;
    const wanted = new Map<string, CheckTarget>();
    for (const t of targets) wanted.set(checkKey(t), t);
    let changed = !this.targetsSet;
    this.targetsSet = true;
    for (const [key, entry] of this.entries) {
      if (wanted.has(key)) continue;
      this.drop(entry);
      changed = true;
    }
    const at = this.now();
    for (const [key, target] of wanted) {
      if (this.entries.has(key)) continue;
      const health: MemberHealth = Object.freeze({ state: 'unknown', since: at, successes: 0, failures: 0 });
      const entry: Entry = { key, target, health, probes: 0, queued: false, due: at, spareUses: 0, removed: false };
      this.entries.set(key, entry);
      this.awaitingFirst++;
      this.enqueue(entry, at);
      changed = true;
    }
    let shortest = Infinity;
    for (const entry of this.entries.values()) shortest = Math.min(shortest, intervalOf(entry.target));
    this.gap = Math.min(this.wakeGapMs, shortest / 10);
    this.checkReady();
    if (changed) this.changed();
    this.pump();
  }

  /** The latest published view (generation 0, empty and not ready before the first). */
  view(): HealthView {
    return this.current;
  }

  /**
   * Resolves once every known target has had its first result and a view saying so has been
   * published (targets added later do not undo it). Rejects if the monitor stops first.
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Abort every probe, clear every timer; no view is published afterwards. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const entry of this.entries.values()) {
      entry.cancel?.(new Error('health monitor stopped'));
      this.forget(entry);
    }
    this.entries.clear();
    this.due.clear();
    clearTimeout(this.timer);
    clearTimeout(this.publishTimer);
    if (!this.readySettled) this.settleReady(new Error('health monitor stopped before it was ready'));
  }

  private drop(entry: Entry): void {
    entry.removed = true;
    this.entries.delete(entry.key);
    entry.cancel?.(new Error('target removed'));
    this.forget(entry);
    if (entry.health.state === 'unknown') this.awaitingFirst--;
    if (entry.queued && ++this.stale > MAX_STALE && this.stale > this.due.size / 2) {
      this.due.retain((e) => !e.removed);
      this.stale = 0;
    }
  }

  private forget(entry: Entry): void {
    try {
      this.opts.forget?.(entry.target);
    } catch (err) {
      this.fault(err, 'forget failed');
    }
  }

  private enqueue(entry: Entry, due: number): void {
    entry.queued = true;
    entry.due = due;
    this.due.push(entry, due);
  }

  /**
   * Start every probe due before the next wake-up (one gap after the last) that the concurrency
   * budget allows, then arm the timer for the next.
   */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      const horizon = Math.max(this.now(), this.wokeAt + this.gap);
      while (this.inFlight < this.concurrency) {
        const next = this.due.peek();
        if (!next || next.due > horizon) break;
        this.due.pop();
        if (next.item.removed) {
          this.stale--;
          continue;
        }
        next.item.queued = false;
        this.probe(next.item).catch((err: unknown) => this.fault(err, 'probe failed'));
      }
    } catch (err) {
      this.fault(err, 'scheduling failed');
    } finally {
      this.pumping = false;
      this.arm();
    }
  }

  /**
   * Arm the timer for the next due probe, but no sooner than one gap after the last time it fired:
   * 2,000 targets a second spread evenly would otherwise wake the thread 2,000 times a second, one
   * probe each. With a gap of 100 ms a wake-up starts the 200 or so probes due in the next 100 ms.
   * Wake-ups cost more than the CPU they take: on the project's 2-vCPU machine an idle process
   * whose timer fires every 10 ms and does nothing cost Meridian 16% of its qps under dnsperf
   * (docs/benchmark.md, health checking); 2,000 keepalive probes a second cost 17% with a 10 ms
   * gap and 9–13% with 100 ms (runs on that machine spread by several points).
   */
  private arm(): void {
    if (this.stopped) return;
    const next = this.due.peek();
    if (!next || this.inFlight >= this.concurrency) return; // a finishing probe pumps again
    const at = Math.max(next.due, this.wokeAt + this.gap);
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.wokeAt = this.now();
      this.pump();
    }, Math.max(0, at - this.now()));
  }

  /** One probe: the check, then (if it passed and the check reads load) the load figure. */
  private async probe(entry: Entry): Promise<void> {
    const { target } = entry;
    const start = this.now();
    const controller = controllerFor(entry);
    entry.probes++;
    this.inFlight++;
    try {
      const checker = (signal: AbortSignal) => this.opts.checkerFor(target.check.kind)(target, signal);
      const run = withDeadline(checker, controller, target.check.timeoutMs);
      entry.cancel = run.cancel;
      const outcome = await run.outcome;
      if (outcome.kind === 'timeout') entry.spare = undefined; // fired: the next probe needs a new one
      if (outcome.kind === 'aborted' || entry.removed || this.stopped) return;
      const result = toResult(outcome, target.check.timeoutMs, this.now() - start);
      this.record(entry, result);
      if (result.ok && target.check.load && this.opts.readLoad) await this.readLoad(entry);
    } catch (err) {
      this.fault(err, `probe of ${target.address} failed`);
    } finally {
      this.inFlight--;
      entry.cancel = undefined;
      this.reschedule(entry, start);
      this.pump();
    }
  }

  /**
   * Next probe one interval after this one was due (or after it started, when the monitor fell a
   * whole interval behind); after the first, at a random phase of the interval from its start.
   */
  private reschedule(entry: Entry, start: number): void {
    if (entry.removed || this.stopped) return;
    const interval = intervalOf(entry.target);
    if (entry.probes > 1) {
      const next = entry.due + interval;
      return this.enqueue(entry, next > start ? next : start + interval);
    }
    let phase = 1;
    try {
      phase = 1 - this.random();
    } catch (err) {
      this.fault(err, 'random() failed');
    }
    this.enqueue(entry, start + interval * (phase >= 0 && phase <= 1 ? phase : 1));
  }

  private async readLoad(entry: Entry): Promise<void> {
    const { target } = entry;
    const controller = controllerFor(entry);
    const run = withDeadline((signal) => this.opts.readLoad!(target, signal), controller, target.check.timeoutMs);
    entry.cancel = run.cancel;
    const outcome = await run.outcome;
    if (outcome.kind === 'timeout') entry.spare = undefined;
    if (outcome.kind === 'aborted' || entry.removed || this.stopped) return;
    if (outcome.kind === 'done' && Number.isFinite(outcome.value) && outcome.value >= 0) {
      const { loadError: _, ...kept } = entry.health;
      entry.health = Object.freeze({ ...kept, load: Object.freeze({ connections: outcome.value, at: this.now() }) });
    } else {
      // the last good figure stays; its consumer ages it out (maxAgeMs)
      const loadError = outcome.kind === 'done' ? `not a connection count: ${String(outcome.value)}` : failureText(outcome, target.check.timeoutMs, 'load read');
      entry.health = Object.freeze({ ...entry.health, loadError });
    }
    this.changed();
  }

  private record(entry: Entry, result: CheckResult): void {
    const prev = entry.health;
    entry.health = applyResult(prev, { ok: result.ok, latencyMs: result.latencyMs, detail: result.detail, at: this.now() }, entry.target.check);
    if (prev.state === 'unknown') {
      this.awaitingFirst--;
      this.checkReady();
    }
    // only a change of state is worth a new view (and a new snapshot); a result that confirms
    // the state is kept and goes out with the next view
    if (entry.health.state !== prev.state) {
      this.changed();
      this.logChange(entry, prev.state);
    }
  }

  private logChange(entry: Entry, from: string): void {
    const logger = this.opts.logger;
    if (!logger) return;
    const { address, check } = entry.target;
    const to = entry.health.state;
    const fields = { target: address, check: `${check.kind}:${check.port}`, from, to, detail: entry.health.last?.detail };
    const message = `health: ${address} ${check.kind}:${check.port} ${from} → ${to}`;
    if (to === 'down') logger.warn(fields, message);
    else if (from === 'unknown') logger.debug(fields, message);
    else logger.info(fields, message);
  }

  /** An error the loop survived: logged, never thrown (the loop must keep going). */
  private fault(err: unknown, what: string): void {
    try {
      this.opts.logger?.error({ err }, `health monitor: ${what}; continuing`);
    } catch {
      // a failing logger must not stop health checking either
    }
  }

  private checkReady(): void {
    if (this.isReady || !this.targetsSet || this.awaitingFirst > 0) return;
    this.isReady = true;
    this.changed();
  }

  /** Something a reader can see changed: publish it within publishMs, together with any more. */
  private changed(): void {
    this.dirty = true;
    if (this.publishTimer || this.stopped) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.publish();
    }, this.publishMs);
  }

  private publish(): void {
    if (!this.dirty || this.stopped) return;
    this.dirty = false;
    const members: [string, MemberHealth][] = [];
    for (const entry of this.entries.values()) members.push([entry.key, entry.health]);
    const view = freezeHealthView(members, this.isReady, this.current.generation + 1);
    this.current = view;
    try {
      this.opts.onView(view);
    } catch (err) {
      this.fault(err, 'onView threw');
    }
    if (view.ready && !this.readySettled) this.settleReady();
  }
}

function toResult(outcome: Exclude<Outcome<CheckResult>, { kind: 'aborted' }>, timeoutMs: number, elapsed: number): CheckResult {
  if (outcome.kind === 'done') return checkerResult(outcome.value, elapsed);
  if (outcome.kind === 'timeout' && outcome.report && 'value' in outcome.report) {
    // the checker's own words for where the time went; a timeout is never a pass
    return { ...checkerResult(outcome.report.value, timeoutMs), ok: false, latencyMs: timeoutMs };
  }
  return { ok: false, latencyMs: outcome.kind === 'timeout' ? timeoutMs : elapsed, detail: failureText(outcome, timeoutMs, 'checker') };
}

function checkerResult(value: unknown, elapsed: number): CheckResult {
  const r = value as Partial<CheckResult> | undefined;
  if (typeof r?.ok !== 'boolean') return { ok: false, latencyMs: elapsed, detail: 'checker returned no result' };
  const latencyMs = Number.isFinite(r.latencyMs) ? r.latencyMs! : elapsed;
  return { ok: r.ok, latencyMs, detail: String(r.detail ?? '') };
}

/** Words for a failed task: its error, or the timeout (with the error the task settled with at the timeout, if any). */
function failureText(outcome: Extract<Outcome<unknown>, { kind: 'timeout' | 'error' }>, timeoutMs: number, what: string): string {
  const error = outcome.kind === 'error' ? outcome.error : outcome.report && 'error' in outcome.report ? outcome.report.error : undefined;
  if (outcome.kind === 'timeout' && error === undefined) return `timed out after ${timeoutMs} ms`;
  return `${what} failed: ${error instanceof Error ? error.message : String(error)}`;
}
