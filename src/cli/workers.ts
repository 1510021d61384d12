/**
 * `--workers N`: the query path in N processes sharing the listen sockets (node:cluster). The
 * primary only supervises: it forks the workers, forwards SIGHUP, restarts a worker that crashes
 * after it was serving, and stops them all on SIGTERM/SIGINT. Each worker is a complete server
 * that loads and watches the zones itself; round-robin positions are per worker (each worker
 * rotates on its own; shares stay even).
 *
 * One worker, the first, also serves the admin API. A change it makes is persisted by it, then
 * relayed through the primary to every other worker (`broadcast`: reload the zones, or take a
 * pushed load figure), and acknowledged only once all of them applied it, so the next answer from
 * any worker reflects it.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

export const WORKER_READY = 'meridian:ready';
const ROLE_ENV = 'MERIDIAN_WORKER_ROLE';

/** What one worker asks all the others to apply. */
export type Broadcast = { kind: 'reload' } | { kind: 'load'; zone: string; pool: string; member: string; figure: { connections: number; capacity?: number; at: number } };

type Message =
  | { t: 'meridian:broadcast'; id: number; what: Broadcast }
  | { t: 'meridian:apply'; id: number; what: Broadcast }
  | { t: 'meridian:applied'; id: number }
  | { t: 'meridian:broadcast-done'; id: number; failed: number };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';

/** Relay a broadcast to every ready worker but the sender; tell the sender when all applied it (or 5 s passed). */
function relay(from: Worker, id: number, what: Broadcast, ready: Set<number>): void {
  const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w !== from && ready.has(w.id));
  let pending = others.length;
  let failed = 0;
  const done = () => void from.send({ t: 'meridian:broadcast-done', id, failed } satisfies Message);
  if (pending === 0) return done();
  const timer = setTimeout(() => {
    failed = pending;
    pending = 0;
    done();
  }, 5000);
  for (const w of others) {
    const onMessage = (m: unknown) => {
      if (!isMessage(m) || m.t !== 'meridian:applied' || m.id !== id) return;
      w.off('message', onMessage);
      if (pending > 0 && --pending === 0) {
        clearTimeout(timer);
        done();
      }
    };
    w.on('message', onMessage);
    w.send({ t: 'meridian:apply', id, what } satisfies Message);
  }
}

/** Runs in the primary. Resolves never; exits the process when the workers are gone. */
export function supervise(count: number, logger: Logger): void {
  const ready = new Set<number>();
  let stopping = false;
  let finalCode = 0;
  let adminWorker: number | undefined;
  const fork = (): Worker => {
    const admin = adminWorker === undefined;
    const w = cluster.fork(admin ? { [ROLE_ENV]: 'admin' } : {});
    if (admin) adminWorker = w.id;
    w.on('message', (m) => {
      if (m === WORKER_READY) {
        ready.add(w.id);
        if (ready.size === count) logger.info({ workers: count }, 'all workers serving');
      } else if (isMessage(m) && m.t === 'meridian:broadcast') {
        relay(w, m.id, m.what, ready);
      }
    });
    w.on('exit', (code, signal) => {
      const wasReady = ready.delete(w.id);
      if (w.id === adminWorker) adminWorker = undefined;
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(finalCode);
        return;
      }
      if (!wasReady) {
        // failed before serving (bad flag, port taken): restarting would only fail again
        logger.error({ pid: w.process.pid, code, signal }, 'worker failed to start; stopping');
        stopAll(code || 1);
        return;
      }
      logger.error({ pid: w.process.pid, code, signal }, 'worker died; starting a new one');
      setTimeout(fork, 500).unref();
    });
    return w;
  };
  const stopAll = (exitCode = 0) => {
    stopping = true;
    finalCode = exitCode;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    if (workers.length === 0) process.exit(exitCode);
    for (const w of workers) w.process.kill('SIGTERM');
    setTimeout(() => process.exit(exitCode), 6000).unref();
  };
  for (let i = 0; i < count; i++) fork();
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
  process.on('SIGINT', () => stopAll());
  process.on('SIGTERM', () => stopAll());
}

/** In a worker: tell the primary this worker is serving. No-op in a single process. */
export function announceReady(): void {
  if (cluster.isWorker) process.send?.(WORKER_READY);
}

export function isPrimaryOf(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

/** Whether this process serves the admin API: a single process, or the first worker. */
export function servesAdmin(): boolean {
  return !cluster.isWorker || process.env[ROLE_ENV] === 'admin';
}

/** In a worker: apply what other workers broadcast. No-op in a single process. */
export function onBroadcast(apply: (what: Broadcast) => Promise<unknown>): void {
  if (!cluster.isWorker) return;
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.t !== 'meridian:apply') return;
    void apply(m.what)
      .catch(() => {})
      .then(() => process.send?.({ t: 'meridian:applied', id: m.id } satisfies Message));
  });
}

let broadcastSeq = 0;

/**
 * In a worker: have every other worker apply `what`; resolves once they all did (the number
 * that did not answer within 5 s is returned). In a single process: resolves at once with 0.
 */
export function broadcast(what: Broadcast): Promise<number> {
  if (!cluster.isWorker) return Promise.resolve(0);
  const id = ++broadcastSeq;
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (!isMessage(m) || m.t !== 'meridian:broadcast-done' || m.id !== id) return;
      process.off('message', onMessage);
      resolve(m.failed);
    };
    process.on('message', onMessage);
    process.send?.({ t: 'meridian:broadcast', id, what } satisfies Message);
  });
}

/** Whether other processes answer queries too (their answer counters are not ours). */
export function hasSiblings(): boolean {
  return cluster.isWorker;
}
