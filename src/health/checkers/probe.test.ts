import { describe, expect, it } from 'vitest';
import { bracket, cutOf, describeSocketError, probe, type ProbeOptions } from './probe.js';

const opts = (timeoutMs: number, signal: AbortSignal = new AbortController().signal): ProbeOptions => ({
  timeoutMs,
  signal,
  onCut: (c) => (c.reason === 'timeout' ? `timed out after ${c.timeoutMs} ms` : `aborted after ${c.elapsedMs} ms`),
  onError: (err) => `error: ${(err as Error).message}`,
});

/** An attempt that settles only when its signal fires, as every checker's does. */
const untilAborted = (s: AbortSignal) => new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(s.reason), { once: true }));

describe('probe', () => {
  it('adds the latency to the outcome', async () => {
    const r = await probe(opts(1000), async () => ({ ok: true, detail: 'fine' }));
    expect(r).toMatchObject({ ok: true, detail: 'fine' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("words the caller's deadline (a TimeoutError at the check's timeout) as the check's timeout", async () => {
    const r = await probe(opts(100, AbortSignal.timeout(100)), untilAborted);
    expect(r).toMatchObject({ ok: false, detail: 'timed out after 100 ms' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(95);
    expect(r.latencyMs).toBeLessThan(1000);
  });

  it('turns a synchronous throw and a rejection into a failed result', async () => {
    const thrown = await probe(opts(1000), () => {
      throw new Error('bad port');
    });
    expect(thrown).toMatchObject({ ok: false, detail: 'error: bad port' });
    const rejected = await probe(opts(1000), async () => Promise.reject(new Error('nope')));
    expect(rejected).toMatchObject({ ok: false, detail: 'error: nope' });
  });

  it("reports the caller's abort as an abort, and an earlier TimeoutError as a timeout of the time elapsed", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const aborted = await probe(opts(5000, ctl.signal), untilAborted);
    expect(aborted.ok).toBe(false);
    expect(aborted.detail).toMatch(/^aborted after \d+ ms$/);
    expect(aborted.latencyMs).toBeLessThan(1000);

    const timedOut = await probe(opts(5000, AbortSignal.timeout(60)), untilAborted);
    expect(timedOut.detail).toMatch(/^timed out after \d+ ms$/);
    expect(Number(/\d+/.exec(timedOut.detail)![0])).toBeLessThan(1000);
  });

  it('does not start an attempt when the signal has already fired', async () => {
    let started = false;
    const r = await probe(opts(1000, AbortSignal.abort()), async () => {
      started = true;
      return { ok: true, detail: 'x' };
    });
    expect(r).toMatchObject({ ok: false, detail: expect.stringMatching(/^aborted after \d+ ms$/) });
    expect(started).toBe(false);
  });
});

describe('cutOf', () => {
  const timeout = new DOMException('timed out', 'TimeoutError');
  it("is the check's timeout for a TimeoutError at about that time, else the time elapsed", () => {
    expect(cutOf(timeout, 300, 300)).toEqual({ reason: 'timeout', timeoutMs: 300 });
    expect(cutOf(timeout, 299, 300)).toEqual({ reason: 'timeout', timeoutMs: 300 });
    expect(cutOf(timeout, 312, 300)).toEqual({ reason: 'timeout', timeoutMs: 300 });
    expect(cutOf(timeout, 60, 5000)).toEqual({ reason: 'timeout', timeoutMs: 60 });
  });

  it('falls back to 2000 ms for a timeout that is not a positive number, and calls any other reason an abort', () => {
    expect(cutOf(timeout, 2000, 0)).toEqual({ reason: 'timeout', timeoutMs: 2000 });
    expect(cutOf(new Error('target removed'), 12, 300)).toEqual({ reason: 'aborted', elapsedMs: 12 });
    expect(cutOf(undefined, 12, 300)).toEqual({ reason: 'aborted', elapsedMs: 12 });
  });
});

describe('wording', () => {
  it('names socket errors by code', () => {
    expect(describeSocketError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('refused (ECONNREFUSED)');
    expect(describeSocketError(Object.assign(new Error('odd'), { code: 'EWHATEVER' }))).toBe('failed: odd (EWHATEVER)');
    expect(describeSocketError('plain')).toBe('failed: plain');
  });

  it('brackets IPv6 addresses only', () => {
    expect(bracket('::1')).toBe('[::1]');
    expect(bracket('127.0.0.1')).toBe('127.0.0.1');
    expect(bracket('www.example.test')).toBe('www.example.test');
  });
});
