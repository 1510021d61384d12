/**
 * Load figures pushed by the members' own load balancers (admin API `PUT …/members/M/load`),
 * beside the probed ones. The fresher of the two counts, and both expire alike: after the load
 * probe's `max-age` (default 3 × the check interval), or 15 s for a member without a check.
 */
import type { MemberDef, ZoneDefinition } from '../config/zone-types.js';
import type { MemberLoad, MemberView } from '../balance/pool.js';

export interface PushedLoad {
  connections: number;
  capacity?: number;
  /** ms timestamp it arrived */
  at: number;
}

/** 3 × the default 5 s check interval: what a member without a check keeps a pushed figure for. */
export const PUSHED_DEFAULT_MAX_AGE_MS = 15_000;

export function loadMaxAgeMs(m: MemberDef): number {
  return m.check?.load?.maxAgeMs ?? (m.check ? 3 * m.check.intervalMs : PUSHED_DEFAULT_MAX_AGE_MS);
}

function key(zone: string, pool: string, member: string): string {
  return `${zone}\u0000${pool}\u0000${member}`;
}

export class PushedLoads {
  private readonly figures = new Map<string, PushedLoad>();

  set(zone: string, pool: string, member: string, figure: PushedLoad): void {
    this.figures.set(key(zone, pool, member), figure);
  }

  get(zone: string, pool: string, member: string): PushedLoad | undefined {
    return this.figures.get(key(zone, pool, member));
  }

  /** Forget the figures of members the zones no longer define. */
  retain(zones: readonly ZoneDefinition[]): void {
    if (this.figures.size === 0) return;
    const live = new Set<string>();
    for (const z of zones) for (const p of z.pools) for (const m of p.members) live.add(key(z.origin, p.name, m.name));
    for (const k of this.figures.keys()) if (!live.has(k)) this.figures.delete(k);
  }

  /** `base` with pushed figures merged in: per member, the fresher of probed and pushed. */
  view(base: MemberView): MemberView {
    return {
      status: base.status,
      load: (zone, pool, m) => {
        const probed = base.load?.(zone, pool, m);
        const pushed = this.figures.get(key(zone, pool, m.name));
        if (!pushed || (probed && probed.at >= pushed.at)) return probed;
        const figure: MemberLoad = { connections: pushed.connections, at: pushed.at, maxAgeMs: loadMaxAgeMs(m) };
        return figure;
      },
    };
  }
}
