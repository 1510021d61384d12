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
  | { kind: 'timeout' }
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
 * Run `task` with `controller.signal` (which must not have fired), and settle at the latest
 * `timeoutMs` later: the signal is fired then (reason: a TimeoutError) and the outcome is
 * `timeout` even if the task never settles. The owner stops the task with `cancel`, which settles
 * at once with `aborted`. Never rejects, and a task that throws synchronously counts as `error`.
 *
 * Nothing here looks at the signal or listens to it (the owner cancels through `cancel` instead of
 * aborting the controller): in Node 20 each AbortSignal is a dictionary-mode object with a map of
 * its own, so reading `aborted` or adding a listener missed V8's inline caches on every probe,
 * about a third of the monitor's own CPU per probe.
 *
 * The deadline is armed after the task has started, so a task that keeps its own deadline of
 * `timeoutMs` (every checker does) reaches its own first — Node runs timers of the same length in
 * the order they were set, and settles promises between them — and says where the time went
 * ("HTTP timed out after 2000 ms waiting for the response") instead of a bare "timed out".
 */
export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, controller: AbortController, timeoutMs: number): Deadline<T> {
  let settled = false;
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
    finish({ kind: 'timeout' });
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  running.then(
    (value) => finish({ kind: 'done', value }),
    (error: unknown) => finish({ kind: 'error', error }),
  );
  return {
    outcome,
    cancel: (reason) => {
      finish({ kind: 'aborted' });
      controller.abort(reason);
    },
  };
}
