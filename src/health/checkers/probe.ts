/**
 * What every checker shares: the clock, the rule that errors are results, and how a probe cut short
 * is worded.
 *
 * The caller owns the deadline: it fires the signal at the check's timeout with a TimeoutError
 * (the monitor's `withDeadline` in schedule.ts does; so does `AbortSignal.timeout`), or with
 * another reason to stop the probe. Every attempt then tears its sockets down and rejects at once,
 * and `probe` words it ("HTTP timed out after 2000 ms waiting for the response"). One timer per
 * probe, the caller's: a second deadline here (a timer, a listener on the caller's signal and a
 * signal of our own per probe) cost about a third of an HTTP keepalive probe's CPU.
 */
import net from 'node:net';
import type { CheckResult } from '../types.js';

/** What an attempt reports; `probe` adds the latency. */
export interface Outcome {
  ok: boolean;
  detail: string;
}

/** Why an attempt was cut short: the deadline (the check's timeout), or another abort. */
export type Cut = { reason: 'timeout'; timeoutMs: number } | { reason: 'aborted'; elapsedMs: number };

export interface ProbeOptions {
  /** the check's timeout, for the wording: the caller fires `signal` then */
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

/**
 * Run `attempt` with the caller's signal; never rejects: what it throws or rejects with becomes a
 * failed result, worded by `onCut` when the signal had fired and by `onError` otherwise.
 */
export async function probe(opts: ProbeOptions, attempt: (signal: AbortSignal) => Promise<Outcome>): Promise<CheckResult> {
  const started = performance.now();
  try {
    if (opts.signal.aborted) throw opts.signal.reason;
    const outcome = await attempt(opts.signal);
    return { ok: outcome.ok, latencyMs: Math.round(performance.now() - started), detail: outcome.detail };
  } catch (err) {
    const elapsedMs = Math.round(performance.now() - started);
    const { signal } = opts;
    const detail = signal.aborted ? opts.onCut(cutOf(signal.reason, elapsedMs, opts.timeoutMs)) : opts.onError(err);
    return { ok: false, latencyMs: elapsedMs, detail };
  }
}

/**
 * The cut a fired signal means: a TimeoutError is the deadline, worded as the check's timeout when
 * it came at about that time (timers fire up to a millisecond early by the performance clock) and
 * as the time elapsed when it came sooner (a caller with a shorter deadline of its own); any other
 * reason is an abort.
 */
export function cutOf(reason: unknown, elapsedMs: number, timeoutMs: number): Cut {
  if (!isTimeoutReason(reason)) return { reason: 'aborted', elapsedMs };
  const limit = effectiveTimeout(timeoutMs);
  return { reason: 'timeout', timeoutMs: elapsedMs >= limit - 2 ? limit : elapsedMs };
}

const isTimeoutReason = (r: unknown): boolean => r instanceof Error && r.name === 'TimeoutError';

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
