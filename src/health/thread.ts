/**
 * The health monitor in a worker thread: probes (TCP connects, HTTP requests, TLS) cost CPU on
 * the thread that runs them, so in production they run here and the query thread only receives
 * views. Messages are plain data: `{ targets }` in; `{ view: { members, ready, generation } }`
 * out. Started by HealthService when `thread` is on (the compiled server; in-process tests run
 * the same monitor on the main thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { checkerFor, forgetConnection } from './checkers/index.js';
import { readLoad } from './load/index.js';
import { HealthMonitor } from './monitor.js';
import type { CheckTarget, MemberHealth } from './types.js';

export interface ThreadInit {
  concurrency?: number;
  logLevel: string;
}

export type ToThread = { targets: CheckTarget[] } | { stop: true };
export type FromThread = { view: { members: [string, MemberHealth][]; ready: boolean; generation: number } };

const port = parentPort;
if (port) {
  const init = workerData as ThreadInit;
  const logger = pino({ level: init.logLevel, base: { pid: process.pid, thread: 'health' } });
  const monitor = new HealthMonitor({
    checkerFor,
    readLoad,
    forget: forgetConnection,
    concurrency: init.concurrency,
    logger,
    onView: (v) => port.postMessage({ view: { members: [...v.members], ready: v.ready, generation: v.generation } } satisfies FromThread),
  });
  port.on('message', (m: ToThread) => {
    if ('targets' in m) monitor.setTargets(m.targets);
    else {
      monitor.stop();
      port.close();
    }
  });
}
