import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DueQueue, withDeadline } from './schedule.js';

describe('DueQueue', () => {
  it('pops in due order, first in first out among equal due times', () => {
    const q = new DueQueue<string>();
    const pushed: [string, number][] = [];
    let x = 7;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      pushed.push([`i${i}`, x % 50]);
    }
    for (const [item, due] of pushed) q.push(item, due);
    const expected = pushed
      .map(([item, due], order) => ({ item, due, order }))
      .sort((a, b) => a.due - b.due || a.order - b.order)
      .map((e) => e.item);
    const popped: string[] = [];
    while (q.size > 0) {
      expect(q.peek()!.item).toBe(expected[popped.length]);
      popped.push(q.pop()!);
    }
    expect(popped).toEqual(expected);
    expect(q.pop()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('retain drops items and keeps the order of the rest', () => {
    const q = new DueQueue<number>();
    for (let i = 0; i < 100; i++) q.push(i, 100 - i);
    q.retain((n) => n % 3 === 0);
    const popped: number[] = [];
    while (q.size > 0) popped.push(q.pop()!);
    expect(popped).toEqual([...Array(34).keys()].map((k) => 99 - 3 * k));
  });
});

describe('withDeadline', () => {
  // setImmediate stays real: it is the end of the loop's turn, where a timed-out probe's own report is taken
  beforeEach(() => vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('returns the value of a task that finishes in time', async () => {
    const outcome = withDeadline(async () => 42, new AbortController(), 100).outcome;
    await expect(outcome).resolves.toEqual({ kind: 'done', value: 42 });
  });

  it('turns a rejection or a synchronous throw into an error outcome', async () => {
    await expect(withDeadline(() => Promise.reject(new Error('refused')), new AbortController(), 100).outcome).resolves.toMatchObject({ kind: 'error' });
    const throwing = () => {
      throw new Error('bug');
    };
    await expect(withDeadline(throwing, new AbortController(), 100).outcome).resolves.toMatchObject({ kind: 'error', error: new Error('bug') });
  });

  it('settles at the timeout and aborts the signal even if the task ignores it', async () => {
    const controller = new AbortController();
    let settled = false;
    const outcome = withDeadline(() => new Promise<never>(() => {}), controller, 100).outcome.then((o) => {
      settled = true;
      return o;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toBe(false);
    expect(controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toEqual({ kind: 'timeout' });
    expect(controller.signal.aborted).toBe(true);
    expect((controller.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('settles at once as aborted when its owner cancels, fires the signal, and leaves no timer behind', async () => {
    const controller = new AbortController();
    const run = withDeadline(() => new Promise<never>(() => {}), controller, 100);
    run.cancel(new Error('removed'));
    await expect(run.outcome).resolves.toEqual({ kind: 'aborted' });
    expect((controller.signal.reason as Error).message).toBe('removed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
