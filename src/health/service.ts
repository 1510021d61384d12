/**
 * Health checking as the app uses it: the monitor probing what the zones ask for, the latest
 * view, and the MemberView the snapshot builder reads. Health stays off the query path: a new
 * view only makes the app build a new snapshot.
 */
import type { Logger } from 'pino';
import type { ZoneDefinition } from '../config/zone-types.js';
import type { MemberView } from '../balance/pool.js';
import { checkerFor } from './checkers/index.js';
import { readLoad } from './load/index.js';
import { HealthMonitor } from './monitor.js';
import { healthMemberView, healthTargets } from './status.js';
import type { HealthView } from './types.js';

export interface HealthServiceOptions {
  logger: Logger;
  /** called after each new view (the app rebuilds its snapshot) */
  onChange: () => void;
  /** probes in flight at once (default 64) */
  concurrency?: number;
}

export class HealthService {
  private view: HealthView | undefined;
  private readonly monitor: HealthMonitor;
  private members: MemberView = healthMemberView(undefined);

  constructor(opts: HealthServiceOptions) {
    this.monitor = new HealthMonitor({
      checkerFor,
      readLoad,
      concurrency: opts.concurrency,
      logger: opts.logger,
      onView: (v) => {
        this.view = v;
        this.members = healthMemberView(v);
        opts.onChange();
      },
    });
  }

  /** Probe what these zones ask for; members no longer in any pool stop being probed at once. */
  setZones(zones: readonly ZoneDefinition[]): void {
    this.monitor.setTargets(healthTargets(zones));
  }

  memberView(): MemberView {
    return this.members;
  }

  current(): HealthView | undefined {
    return this.view;
  }

  /** Resolves once every member has had its first probe result (readiness). */
  ready(): Promise<void> {
    return this.monitor.ready();
  }

  stop(): void {
    this.monitor.stop();
  }
}
