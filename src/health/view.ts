/**
 * Published health: the monitor's frozen HealthViews. Readers never see the monitor's working
 * state, only views it published, so a view can be read by the snapshot builder, the admin API
 * or, later, another process. (What a view means for a member, with `check.initial` applied to
 * `unknown`, is status.ts.)
 */
import type { HealthView, MemberHealth } from './types.js';

/** A Map that refuses changes after construction (views are shared by many readers). */
class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    Object.freeze(this);
  }
  override set(): this {
    throw new TypeError('a HealthView is immutable');
  }
  override delete(): boolean {
    throw new TypeError('a HealthView is immutable');
  }
  override clear(): void {
    throw new TypeError('a HealthView is immutable');
  }
}

/** A frozen view over a copy of `members`. */
export function freezeHealthView(members: Iterable<readonly [string, MemberHealth]>, ready: boolean, generation: number): HealthView {
  return Object.freeze({ members: new FrozenMap(members), ready, generation });
}

/** The view before the monitor has published anything: no members, not ready. */
export const EMPTY_HEALTH_VIEW: HealthView = freezeHealthView([], false, 0);
