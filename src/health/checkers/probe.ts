/**
 * What every checker shares: the clock, the deadline and the rule that errors are results.
 *
 * `probe` runs one attempt under a deadline made of the caller's signal (the monitor fires it at
 * the timeout) and our own timer at `timeoutMs`, whichever comes first. The attempt gets one
 * AbortSignal to tear its sockets down with; the result is settled at the deadline even if the
 * attempt ignores that signal, and nothing it throws escapes: a checker that threw would stop the
 * monitor's loop.
 */
import net from 'node:net';
import type { CheckResult } from '../types.js';

/** What an attempt reports; `probe` adds the latency. */
export interface Outcome {
  ok: boolean;
  detail: string;
}

/** Why an attempt was cut short: our deadline (or the monitor's timeout), or another abort. */
export type Cut = { reason: 'timeout'; timeoutMs: number } | { reason: 'aborted'; elapsedMs: number };

export interface ProbeOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** the detail when the attempt is cut short, e.g. "TCP connect timed out after 2000 ms" */
  onCut: (cut: Cut) => string;
  /** the detail for an error the attempt threw or rejected with */
  onError: (err: unknown) => string;
}

/** A timeout that is not a finite positive number falls back to this (ms). */
export const DEFAULT_TIMEOUT_MS = 2000;

export function effectiveTimeout(timeoutMs: number | undefined): number {
  return typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
}

const isTimeoutReason = (r: unknown): boolean => r instanceof Error && r.name === 'TimeoutError';

/**
 * Run `attempt` under the deadline; never rejects. Exported for the load reader, which wants the
 * same deadline but throws instead of returning a result: see `withDeadline`.
 */
export async function probe(opts: ProbeOptions, attempt: (signal: AbortSignal) => Promise<Outcome>): Promise<CheckResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const outcome = await withDeadline(opts.timeoutMs, opts.signal, attempt);
    return { ok: outcome.ok, latencyMs: latency(), detail: outcome.detail };
  } catch (err) {
    const detail = err instanceof DeadlineError ? opts.onCut(err.cut) : opts.onError(err);
    return { ok: false, latencyMs: latency(), detail };
  }
}

/** Thrown by `withDeadline` when the deadline or the caller's signal cut the attempt short. */
export class DeadlineError extends Error {
  constructor(readonly cut: Cut) {
    super(cut.reason === 'timeout' ? `timed out after ${cut.timeoutMs} ms` : `aborted after ${cut.elapsedMs} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Run `attempt` with a signal that fires at `timeoutMs` or when `signal` fires; settle then, even if
 * the attempt does not. Rejects with DeadlineError when cut short, else as the attempt does.
 * The caller's abort counts as a timeout (of `timeoutMs`) when it comes at or after `timeoutMs`, as
 * a timeout of the time elapsed when its reason is a TimeoutError (AbortSignal.timeout), and
 * otherwise as an abort.
 */
export function withDeadline<T>(timeoutMs: number, signal: AbortSignal, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const limit = effectiveTimeout(timeoutMs);
  const started = performance.now();
  const spare = attemptController(signal);
  const ctl = spare.ctl;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let wasCut = false;
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    /** the attempt settled on its own: its controller never fired, the caller's next attempt may have it */
    const release = () => {
      finish();
      if (!wasCut) spareControllers.set(signal, spare);
    };
    const cut = (c: Cut) => {
      wasCut = true;
      finish();
      const err = new DeadlineError(c);
      reject(err);
      ctl.abort(err);
    };
    const onAbort = () => {
      const elapsedMs = Math.round(performance.now() - started);
      if (elapsedMs >= limit) cut({ reason: 'timeout', timeoutMs: limit });
      else cut(isTimeoutReason(signal.reason) ? { reason: 'timeout', timeoutMs: elapsedMs } : { reason: 'aborted', elapsedMs });
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => cut({ reason: 'timeout', timeoutMs: limit }), limit);
    // an async wrapper, so a synchronous throw (bad port, bad option) becomes a rejection
    (async () => attempt(ctl.signal))().then(
      (v) => {
        release();
        resolve(v);
      },
      (e: unknown) => {
        release();
        reject(e);
      },
    );
  });
  // The signal fires only when the attempt is cut short. An attempt that settles on its own has
  // closed its sockets already (each checker's does); firing the signal after every probe anyway
  // cost about 7 µs a probe in Node 20 (an abort event nobody listens to), 1.5% of a core at
  // 2,000 probes a second.
}

/**
 * The attempt controller of a caller's last attempt that settled on its own, by the caller's
 * signal: the monitor passes the same signal to a target's probes, so they share one controller
 * for up to MAX_ATTEMPT_USES attempts. A controller that was cut (fired) is never put back; one
 * in use is out of the map, so two attempts at once never share one. Creating an AbortSignal
 * cost about 2.5 µs in Node 20 and giving it its first listener about 2 more; nothing here looks
 * at the signal itself (each is a dictionary-mode object, slow to look at).
 */
const spareControllers = new WeakMap<AbortSignal, { ctl: AbortController; uses: number }>();
/** Attempts a controller serves at most, so listeners an attempt leaves behind stay few. */
const MAX_ATTEMPT_USES = 8;

function attemptController(caller: AbortSignal): { ctl: AbortController; uses: number } {
  const last = spareControllers.get(caller);
  if (!last) return { ctl: new AbortController(), uses: 1 };
  spareControllers.delete(caller);
  if (last.uses >= MAX_ATTEMPT_USES) return { ctl: new AbortController(), uses: 1 };
  last.uses++;
  return last;
}

// ------------------------------------------------------------------------------- error wording

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'timed out',
  EPIPE: 'broken pipe',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
};

/** The code of a Node error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** An error's message on one line. */
export function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** "refused (ECONNREFUSED)", or "failed: <message> (CODE)" for an error without a short word. */
export function describeSocketError(err: unknown): string {
  const code = errorCode(err);
  const word = code ? SOCKET_ERRORS[code] : undefined;
  if (word) return `${word} (${code})`;
  return `failed: ${errorMessage(err)}${code ? ` (${code})` : ''}`;
}

/** An address as it goes in a URL or Host header: IPv6 in brackets. */
export function bracket(address: string): string {
  // every probe builds its Host header: skip net.isIPv6's long expression for what has no colon
  return address.includes(':') && net.isIPv6(address) ? `[${address}]` : address;
}
