/**
 * `--workers N`: the query path in N processes sharing the listen sockets (node:cluster). The
 * primary only supervises: it forks the workers, forwards SIGHUP, restarts a worker that crashes
 * after it was serving, and stops them all on SIGTERM/SIGINT. Each worker is a complete server
 * that loads and watches the zones itself, so no state crosses processes; round-robin positions
 * are per worker (each worker rotates on its own; shares stay even).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

export const WORKER_READY = 'meridian:ready';

/** Runs in the primary. Resolves never; exits the process when the workers are gone. */
export function supervise(count: number, logger: Logger): void {
  const ready = new Set<number>();
  let stopping = false;
  let finalCode = 0;
  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('message', (m) => {
      if (m === WORKER_READY) {
        ready.add(w.id);
        if (ready.size === count) logger.info({ workers: count }, 'all workers serving');
      }
    });
    w.on('exit', (code, signal) => {
      const wasReady = ready.delete(w.id);
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
