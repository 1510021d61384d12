/**
 * Scheduling pieces of the health monitor, kept free of health semantics so they can be tested
 * alone: a queue of work ordered by due time (one timer drives it, not one timer per target), and
 * a deadline around a probe that also holds when the probe ignores its AbortSignal.
 */

interface Node<T> {
  due: number;
  seq: number;
  item: T;
}

/**
 * A binary min-heap ordered by due time, first in first out among equal due times. Items are
 * never removed from the middle: the owner marks them stale and skips them when they surface,
 * and calls `retain` now and then so stale items do not pile up.
 */
export class DueQueue<T> {
  private heap: Node<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(item: T, due: number): void {
    this.heap.push({ due, seq: this.seq++, item });
    this.up(this.heap.length - 1);
  }

  /** The earliest item and its due time, without removing it. */
  peek(): { item: T; due: number } | undefined {
    const top = this.heap[0];
    return top && { item: top.item, due: top.due };
  }

  pop(): T | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    return top.item;
  }

  /** Keep only the items `keep` accepts (order among the rest is preserved). */
  retain(keep: (item: T) => boolean): void {
    this.heap = this.heap.filter((n) => keep(n.item));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  clear(): void {
    this.heap = [];
  }

  private before(a: Node<T>, b: Node<T>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && this.before(heap[left], heap[least])) least = left;
      if (right < heap.length && this.before(heap[right], heap[least])) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least], heap[i]];
      i = least;
    }
  }
}

/** How a task run under a deadline ended. */
export type Outcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'error'; error: unknown }
  /**
   * the deadline passed; `report` is what the task settled with once its signal fired (a checker
   * saying where the time went: "HTTP timed out after 2000 ms waiting for the response"), absent
   * when it did not settle at once
   */
  | { kind: 'timeout'; report?: { value: T } | { error: unknown } }
  /** the controller was aborted by its owner (target removed, monitor stopped) */
  | { kind: 'aborted' };

/** A task running under a deadline. */
export interface Deadline<T> {
  /** how the task ended; never rejects */
  outcome: Promise<Outcome<T>>;
  /** settle at once as `aborted`, then fire the task's signal with `reason` (target removed, monitor stopped) */
  cancel(reason: unknown): void;
}

/**
 * Run `task` with `controller.signal` (which must not have fired) under the only deadline a probe
 * has: `timeoutMs` after the start the signal fires (reason: a TimeoutError DOMException, as
 * `AbortSignal.timeout` gives), and the outcome is `timeout`, carrying what the task settled with
 * in the same turn of the event loop (up to the next `setImmediate`), if it did. A task that
 * ignores its signal is cut off all the same. The owner stops the task with `cancel`, which settles
 * at once with `aborted`. Never rejects, and a task that throws synchronously counts as `error`.
 *
 * Checkers keep no timer of their own (they tear down their sockets and settle when the signal
 * fires): one timer and no listener of ours per probe. Nothing here looks at the signal either (the
 * owner cancels through `cancel`): in Node 20 each AbortSignal is a dictionary-mode object with a
 * map of its own, so reading `aborted` or adding a listener missed V8's inline caches on every
 * probe, about a third of the monitor's own CPU per probe.
 */
export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, controller: AbortController, timeoutMs: number): Deadline<T> {
  let settled = false;
  let expired = false;
  let report: { value: T } | { error: unknown } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resolveOutcome!: (outcome: Outcome<T>) => void;
  const outcome = new Promise<Outcome<T>>((resolve) => (resolveOutcome = resolve));
  const finish = (o: Outcome<T>) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    resolveOutcome(o);
  };
  let running: Promise<T>;
  try {
    running = Promise.resolve(task(controller.signal));
  } catch (error) {
    running = Promise.reject(error);
  }
  timer = setTimeout(() => {
    timer = undefined;
    expired = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
    // the task's listeners ran just now; its promise settles in the microtasks before this
    setImmediate(() => finish(report ? { kind: 'timeout', report } : { kind: 'timeout' }));
  }, timeoutMs);
  running.then(
    (value) => (expired ? (report = { value }) : finish({ kind: 'done', value })),
    (error: unknown) => (expired ? (report = { error }) : finish({ kind: 'error', error })),
  );
  return {
    outcome,
    cancel: (reason) => {
      finish({ kind: 'aborted' });
      controller.abort(reason);
    },
  };
}
