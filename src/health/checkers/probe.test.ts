import { describe, expect, it } from 'vitest';
import { DeadlineError, bracket, describeSocketError, probe, withDeadline, type ProbeOptions } from './probe.js';

const opts = (timeoutMs: number, signal: AbortSignal = new AbortController().signal): ProbeOptions => ({
  timeoutMs,
  signal,
  onCut: (c) => (c.reason === 'timeout' ? `timed out after ${c.timeoutMs} ms` : `aborted after ${c.elapsedMs} ms`),
  onError: (err) => `error: ${(err as Error).message}`,
});

describe('probe', () => {
  it('adds the latency to the outcome', async () => {
    const r = await probe(opts(1000), async () => ({ ok: true, detail: 'fine' }));
    expect(r).toMatchObject({ ok: true, detail: 'fine' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('settles at the timeout even if the attempt ignores its signal', async () => {
    let seen: AbortSignal | undefined;
    const r = await probe(opts(100), (s) => {
      seen = s;
      return new Promise(() => {});
    });
    expect(r).toMatchObject({ ok: false, detail: 'timed out after 100 ms' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(95);
    expect(r.latencyMs).toBeLessThan(1000);
    expect(seen?.aborted).toBe(true);
  });

  it('turns a synchronous throw and a rejection into a failed result', async () => {
    const thrown = await probe(opts(1000), () => {
      throw new Error('bad port');
    });
    expect(thrown).toMatchObject({ ok: false, detail: 'error: bad port' });
    const rejected = await probe(opts(1000), async () => Promise.reject(new Error('nope')));
    expect(rejected).toMatchObject({ ok: false, detail: 'error: nope' });
  });

  it("reports the caller's abort: before the timeout as an abort, a TimeoutError as a timeout", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const aborted = await probe(opts(5000, ctl.signal), () => new Promise(() => {}));
    expect(aborted.ok).toBe(false);
    expect(aborted.detail).toMatch(/^aborted after \d+ ms$/);
    expect(aborted.latencyMs).toBeLessThan(1000);

    const timedOut = await probe(opts(5000, AbortSignal.timeout(60)), () => new Promise(() => {}));
    expect(timedOut.detail).toMatch(/^timed out after \d+ ms$/);
    expect(timedOut.latencyMs).toBeLessThan(1000);
  });

  it('does not start an attempt when the signal has already fired', async () => {
    let started = false;
    const r = await probe(opts(1000, AbortSignal.abort()), async () => {
      started = true;
      return { ok: true, detail: 'x' };
    });
    expect(r.ok).toBe(false);
    expect(started).toBe(false);
  });

  it('falls back to 2000 ms for a timeout that is not a positive number', async () => {
    const err = await withDeadline(0, AbortSignal.timeout(30), () => new Promise(() => {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as DeadlineError).cut).toMatchObject({ reason: 'timeout' });
  });

  it('fires the attempt signal only when the attempt is cut short, not after it settled on its own', async () => {
    let seen: AbortSignal | undefined;
    await withDeadline(1000, new AbortController().signal, async (s) => {
      seen = s;
      return 1;
    });
    expect(seen?.aborted).toBe(false);
    const cut = await withDeadline(50, new AbortController().signal, (s) => {
      seen = s;
      return new Promise(() => {});
    }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(DeadlineError);
    expect(seen?.aborted).toBe(true);
  });
});

describe('attempt signals', () => {
  const seenBy = async (caller: AbortSignal) => {
    let seen: AbortSignal | undefined;
    await withDeadline(1000, caller, async (s) => {
      seen = s;
      return 1;
    });
    return seen!;
  };

  it("gives a caller's next attempts the same signal, 8 at most, and never to another caller", async () => {
    const caller = new AbortController().signal;
    const seen: AbortSignal[] = [];
    for (let i = 0; i < 10; i++) seen.push(await seenBy(caller));
    expect(seen.map((x) => seen.indexOf(x))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 8, 8]);
    expect(await seenBy(new AbortController().signal)).not.toBe(seen[9]);
  });

  it('never gives one signal to two attempts at once, nor reuses one that was cut', async () => {
    const caller = new AbortController().signal;
    await seenBy(caller);
    const seen: AbortSignal[] = [];
    const hang = (s: AbortSignal) => (seen.push(s), new Promise<number>(() => {}));
    const both = [withDeadline(50, caller, hang), withDeadline(50, caller, hang)].map((p) => p.catch((e: unknown) => e));
    expect(seen[0]).not.toBe(seen[1]);
    await Promise.all(both);
    expect(seen.every((s) => s.aborted)).toBe(true);
    expect(seen).not.toContain(await seenBy(caller));
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
