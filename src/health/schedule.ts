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

/**
 * Run `task` with `controller.signal`, and settle at the latest `timeoutMs` later: the signal is
 * aborted then (reason: a TimeoutError) and the outcome is `timeout` even if the task never
 * settles. Aborting the controller from outside settles at once with `aborted`. Never rejects,
 * and a task that throws synchronously counts as `error`.
 *
 * The deadline is armed after the task has started, so a task that keeps its own deadline of
 * `timeoutMs` (every checker does) reaches its own first — Node runs timers of the same length in
 * the order they were set, and settles promises between them — and says where the time went
 * ("HTTP timed out after 2000 ms waiting for the response") instead of a bare "timed out".
 */
export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, controller: AbortController, timeoutMs: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const signal = controller.signal;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: Outcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => finish({ kind: 'aborted' });
    if (signal.aborted) return finish({ kind: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    let running: Promise<T>;
    try {
      running = Promise.resolve(task(signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    if (!settled) {
      timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);
    }
    running.then(
      (value) => finish({ kind: 'done', value }),
      (error: unknown) => finish({ kind: 'error', error }),
    );
  });
}
