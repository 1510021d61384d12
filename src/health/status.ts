/**
 * From the monitor's HealthView to what the pool compiler asks: is a member eligible now (and if
 * not, why), and its latest load figure. Also the list of targets the zones ask to be probed.
 * Pure functions of their inputs: the snapshot builder calls them, the query path never does.
 */
import type { MemberDef, ZoneDefinition } from '../config/zone-types.js';
import { defaultMemberStatus, type MemberView } from '../balance/pool.js';
import { checkKey, type CheckTarget, type HealthView } from './types.js';

const keys = new WeakMap<MemberDef, string>();

function targetOf(m: MemberDef): CheckTarget | undefined {
  return m.check ? { address: m.checkAddress ?? m.address, check: m.check } : undefined;
}

/** The check key of a member (cached per loaded definition), or undefined when it is not checked. */
export function memberKey(m: MemberDef): string | undefined {
  let k = keys.get(m);
  if (k === undefined) {
    const t = targetOf(m);
    if (!t) return undefined;
    k = checkKey(t);
    keys.set(m, k);
  }
  return k;
}

/** Every distinct probe the zones ask for (members shared by pools are probed once). */
export function healthTargets(zones: readonly ZoneDefinition[]): CheckTarget[] {
  const byKey = new Map<string, CheckTarget>();
  for (const z of zones) {
    for (const p of z.pools) {
      for (const m of p.members) {
        const t = targetOf(m);
        if (t) byKey.set(memberKey(m)!, t);
      }
    }
  }
  return [...byKey.values()];
}

export function healthMemberView(view: HealthView | undefined): MemberView {
  return {
    status(zone, pool, m) {
      const base = defaultMemberStatus(zone, pool, m);
      if (!base.eligible || !m.check) return base;
      const h = view?.members.get(memberKey(m)!);
      const state = h?.state ?? 'unknown';
      if (state === 'up') return base;
      if (state === 'down') return { eligible: false, reason: `down: ${h?.last?.detail ?? 'failed checks'}` };
      return m.check.initial === 'up' ? base : { eligible: false, reason: 'no check result yet (initial: down)' };
    },
    load(_zone, _pool, m) {
      const probe = m.check?.load;
      if (!probe) return undefined;
      const figure = view?.members.get(memberKey(m)!)?.load;
      if (!figure) return undefined;
      return { connections: figure.connections, at: figure.at, maxAgeMs: probe.maxAgeMs ?? 3 * m.check!.intervalMs };
    },
  };
}
