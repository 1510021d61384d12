/**
 * Health checking as the app uses it: the monitor probing what the zones ask for, the latest
 * view, and the MemberView the snapshot builder reads. Health stays off the query path: a new
 * view only makes the app build a new snapshot.
 */
import type { Logger } from 'pino';
import type { ZoneDefinition } from '../config/zone-types.js';
import type { MemberView } from '../balance/pool.js';
import { checkerFor, forgetConnection } from './checkers/index.js';
import { readLoad } from './load/index.js';
import { HealthMonitor } from './monitor.js';
import { healthMemberView, healthTargets } from './status.js';
import { Worker } from 'node:worker_threads';
import type { CheckTarget, HealthView } from './types.js';
import { freezeHealthView } from './view.js';
import type { FromThread, ThreadInit, ToThread } from './thread.js';

export interface HealthServiceOptions {
  logger: Logger;
  /** probe in a worker thread (thread.ts), so probing never takes the query thread's CPU */
  thread?: boolean;
  /** called after each new view (the app rebuilds its snapshot) */
  onChange: () => void;
  /** probes in flight at once (default 64) */
  concurrency?: number;
}

/** Where the probing runs: this thread, or a worker thread; both publish views the same way. */
interface Runner {
  setTargets(targets: CheckTarget[]): void;
  stop(): void;
}

export class HealthService {
  private view: HealthView | undefined;
  private readonly runner: Runner;
  private members: MemberView = healthMemberView(undefined);
  private readonly readiness: Promise<void>;
  private targetsSet = false;
  private markReady!: () => void;
  private markStopped!: (err: Error) => void;

  constructor(opts: HealthServiceOptions) {
    this.readiness = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.markStopped = reject;
    });
    this.readiness.catch(() => {});
    const onView = (v: HealthView) => {
      this.view = v;
      this.members = healthMemberView(v);
      opts.onChange();
      if (v.ready && this.targetsSet) this.markReady();
    };
    this.runner = opts.thread ? threadRunner(opts, onView) : localRunner(opts, onView);
  }

  /** Probe what these zones ask for; members no longer in any pool stop being probed at once. */
  setZones(zones: readonly ZoneDefinition[]): void {
    this.targetsSet = true;
    this.runner.setTargets(healthTargets(zones));
  }

  memberView(): MemberView {
    return this.members;
  }

  current(): HealthView | undefined {
    return this.view;
  }

  /** Resolves once every member has had its first probe result (readiness). */
  ready(): Promise<void> {
    return this.readiness;
  }

  stop(): void {
    this.runner.stop();
    this.markStopped(new Error('health checking stopped'));
  }
}

function localRunner(opts: HealthServiceOptions, onView: (v: HealthView) => void): Runner {
  const monitor = new HealthMonitor({ checkerFor, readLoad, forget: forgetConnection, concurrency: opts.concurrency, logger: opts.logger, onView });
  return { setTargets: (t) => monitor.setTargets(t), stop: () => monitor.stop() };
}

function threadRunner(opts: HealthServiceOptions, onView: (v: HealthView) => void): Runner {
  const init: ThreadInit = { concurrency: opts.concurrency, logLevel: opts.logger.level };
  const worker = new Worker(new URL('./thread.js', import.meta.url), { workerData: init });
  worker.unref();
  worker.on('message', (m: FromThread) => onView(freezeHealthView(m.view.members, m.view.ready, m.view.generation)));
  worker.on('error', (err) => opts.logger.error({ err }, 'health checking thread failed; member health is frozen at its last state'));
  return {
    setTargets: (targets) => worker.postMessage({ targets } satisfies ToThread),
    stop: () => {
      worker.postMessage({ stop: true } satisfies ToThread);
      void worker.terminate();
    },
  };
}
