/**
 * A pool made ready for queries: per address family, the eligible members with the algorithm
 * bound to them, every member's RDATA encoded once, and the state that outlives snapshots.
 * Built whenever a snapshot is built (zone reload, drain, health change); never per query.
 */
import { isIP } from 'node:net';
import type { FallbackDef, MemberDef, PoolDef } from '../config/zone-types.js';
import { parseAddress } from '../wire/address.js';
import { algorithms } from './registry.js';
import { createPoolState } from './state.js';
import type { BoundAlgorithm, Candidate, LoadFigure, PoolState } from './types.js';

/** Whether a member may be chosen now, and if not why (explain shows the reason). */
export type MemberStatus = (zone: string, pool: string, member: MemberDef) => { eligible: boolean; reason?: string };

/** A member's latest load figure and how long it stays usable (health checks, pushed figures). */
export interface MemberLoad extends LoadFigure {
  maxAgeMs: number;
}
export type MemberLoads = (zone: string, pool: string, member: MemberDef) => MemberLoad | undefined;

export const defaultMemberStatus: MemberStatus = (_z, _p, m) => {
  if (!m.enabled) return { eligible: false, reason: 'enabled: false' };
  if (m.drained) return { eligible: false, reason: 'drained' };
  if (m.weight <= 0) return { eligible: false, reason: 'weight 0' };
  return { eligible: true };
};

export interface PoolFamily {
  readonly family: 4 | 6;
  /** eligible members, in definition order */
  readonly members: readonly Candidate[];
  /** every enabled, undrained member of this family regardless of health (fallback: all) */
  readonly all: readonly Candidate[];
  /** members of this family that are not eligible, with the reason */
  readonly excluded: readonly { name: string; reason: string }[];
  /** wire RDATA and text per candidate index (definition order) */
  readonly rdata: readonly Buffer[];
  readonly text: readonly string[];
  readonly bound: BoundAlgorithm;
  readonly state: PoolState;
  /** load figure per candidate index (definition order), undefined when none */
  readonly loads: readonly (MemberLoad | undefined)[];
  /** answers that named each member, per candidate index: outlive snapshots and member-list changes */
  readonly counters: readonly AnswerCounter[];
  /** eligible member names: with the same `def`, the bound algorithm is reused across snapshots */
  readonly eligibility: string;
  readonly def: PoolDef;
}

/** Per-site families of a `geo: nearest` pool, by site name (members without a site are in none). */
export interface SiteFamilies {
  readonly v4: ReadonlyMap<string, PoolFamily>;
  readonly v6: ReadonlyMap<string, PoolFamily>;
  /**
   * The family over the eligible members of several sites (sites-per-answer > 1), bound on first
   * use and kept for this snapshot: one per combination of sites actually chosen.
   */
  union(family: 4 | 6, sites: readonly string[]): PoolFamily;
  /**
   * What the balance stage worked out for a site order in this snapshot, by order (the geo site
   * table shares one frozen array per order): the sites an answer draws from and the family to
   * pick in, or null when no site has an eligible member. Eligibility is fixed for a snapshot and
   * a new snapshot compiles new SiteFamilies, so nothing here goes stale.
   */
  readonly chosen: { readonly v4: Map<object, NearestChoice | null>; readonly v6: Map<object, NearestChoice | null> };
}

/** The nearest eligible sites for one site order, and the family an answer picks from. */
export interface NearestChoice {
  readonly sites: readonly { readonly name: string }[];
  readonly family: PoolFamily;
}

export interface CompiledPool {
  readonly zone: string;
  readonly name: string;
  readonly def: PoolDef;
  readonly ttl: number;
  readonly answers: number;
  readonly fallback: FallbackDef;
  readonly hashPrefix: { v4: number; v6: number };
  readonly v4: PoolFamily;
  readonly v6: PoolFamily;
  /** ECS scope depends on the client only for ip-hash */
  readonly usesClient: boolean;
  /** this pool or a pool it may fall back to uses the client address (set by the snapshot build) */
  readonly dependsOnClient: boolean;
  /** this pool or a pool it may fall back to is `geo: nearest`: the geo stage must locate the client (set by the snapshot build) */
  readonly dependsOnLocation: boolean;
  /** `geo: nearest`: the families per site, and how many nearest eligible sites an answer draws from */
  readonly sites: SiteFamilies | null;
  readonly sitesPerAnswer: number;
}

/**
 * How often this process named a member in an answer, and when last: for the admin API (a drain
 * is safe once the last answer's TTL has run out) and metrics. Bumped on the query path.
 */
export interface AnswerCounter {
  answers: number;
  /** ms timestamp of the last answer, 0 = never */
  lastAt: number;
}

/**
 * Keeps PoolState per zone/pool/family across snapshots while the member list is unchanged, and
 * each member's AnswerCounter for as long as the member exists.
 */
export class PoolStateStore {
  private readonly states = new Map<string, { signature: string; state: PoolState }>();
  private readonly counters = new Map<string, AnswerCounter>();
  counter(zone: string, pool: string, member: string): AnswerCounter {
    const key = `${poolKey(zone, pool)}\u0000${member}`;
    let c = this.counters.get(key);
    if (!c) {
      c = { answers: 0, lastAt: 0 };
      this.counters.set(key, c);
    }
    return c;
  }
  /** the counter of a member, if it ever existed here (does not create one) */
  peekCounter(zone: string, pool: string, member: string): AnswerCounter | undefined {
    return this.counters.get(`${poolKey(zone, pool)}\u0000${member}`);
  }
  get(key: string, signature: string, size: number): PoolState {
    const cur = this.states.get(key);
    if (cur && cur.signature === signature) return cur.state;
    const state = createPoolState(size);
    this.states.set(key, { signature, state });
    return state;
  }
  /** drop the state of pools no longer defined (`pools` holds poolKey(zone, name) of the live ones) */
  retain(pools: Set<string>, members?: Set<string>): void {
    const poolOf = (k: string) => k.slice(0, k.indexOf('\u0000', k.indexOf('\u0000') + 1));
    for (const k of this.states.keys()) if (!pools.has(poolOf(k))) this.states.delete(k);
    // members: poolKey + NUL + member name of every live member
    if (members) for (const k of this.counters.keys()) if (!members.has(k)) this.counters.delete(k);
  }
}

function addressRdata(address: string): Buffer {
  const a = parseAddress(address);
  if (!a) throw new Error(`not an IP address: ${address}`);
  return Buffer.from(a.bytes);
}

function compileFamily(
  zone: string,
  def: PoolDef,
  family: 4 | 6,
  store: PoolStateStore,
  view: MemberView,
  prev: PoolFamily | undefined,
  site?: string,
  stateName = site,
): PoolFamily {
  const ofFamily = def.members.filter((m) => m.family === family && (site === undefined || m.site === site));
  const members: Candidate[] = [];
  const all: Candidate[] = [];
  const excluded: { name: string; reason: string }[] = [];
  const loads: (MemberLoad | undefined)[] = [];
  ofFamily.forEach((m, index) => {
    const c: Candidate = { name: m.name, address: m.address, family, weight: m.weight, site: m.site, index };
    if (m.enabled && !m.drained) all.push({ ...c, weight: Math.max(m.weight, 1) });
    const s = view.status(zone, def.name, m);
    if (s.eligible) members.push(c);
    else excluded.push({ name: m.name, reason: s.reason ?? 'not eligible' });
    loads.push(view.load?.(zone, def.name, m));
  });
  const eligibility = members.map((m) => m.name).join('\u0000');
  // same definition and same eligible members: keep the bound algorithm (schedules, tables)
  if (prev && prev.eligibility === eligibility && prev.def === def) {
    return { ...prev, excluded, loads };
  }
  const signature = ofFamily.map((m) => m.name).join('\u0000');
  const state = store.get(stateKey(zone, def.name, family, stateName), signature, ofFamily.length);
  return {
    family,
    members,
    all,
    excluded,
    rdata: ofFamily.map((m) => addressRdata(m.address)),
    text: ofFamily.map((m) => m.address),
    bound: algorithms[def.algorithm].bind(members),
    state,
    loads,
    counters: ofFamily.map((m) => store.counter(zone, def.name, m.name)),
    eligibility,
    def,
  };
}

/** What the pool compiler asks about members: eligibility now, and load figures. */
export interface MemberView {
  status: MemberStatus;
  load?: MemberLoads;
}

export const defaultMemberView: MemberView = { status: defaultMemberStatus };

export function compilePool(zone: string, def: PoolDef, store: PoolStateStore, view: MemberView = defaultMemberView, prev?: CompiledPool): CompiledPool {
  for (const m of def.members) if (isIP(m.address) !== m.family) throw new Error(`member ${m.name}: bad address ${m.address}`);
  const reuse = prev && prev.def === def ? prev : undefined;
  const geo = def.geo === 'nearest';
  const usesClient = def.algorithm === 'ip-hash';
  return {
    zone,
    name: def.name,
    def,
    ttl: def.ttl,
    answers: def.answers,
    fallback: def.fallback,
    hashPrefix: def.hashPrefix,
    v4: compileFamily(zone, def, 4, store, view, reuse?.v4),
    v6: compileFamily(zone, def, 6, store, view, reuse?.v6),
    usesClient,
    dependsOnClient: usesClient || geo,
    dependsOnLocation: geo,
    sites: geo ? compileSites(zone, def, store, view, reuse?.sites ?? undefined) : null,
    sitesPerAnswer: def.sitesPerAnswer,
  };
}

function sitesOf(def: PoolDef): string[] {
  return [...new Set(def.members.map((m) => m.site).filter((s): s is string => s !== undefined))];
}

function siteFamilies(
  zone: string,
  def: PoolDef,
  family: 4 | 6,
  store: PoolStateStore,
  view: MemberView,
  prev: ReadonlyMap<string, PoolFamily> | undefined,
): ReadonlyMap<string, PoolFamily> {
  const out = new Map<string, PoolFamily>();
  for (const site of sitesOf(def)) out.set(site, compileFamily(zone, def, family, store, view, prev?.get(site), site));
  return out;
}

function compileSites(zone: string, def: PoolDef, store: PoolStateStore, view: MemberView, prev: SiteFamilies | undefined): SiteFamilies {
  const unions = new Map<string, PoolFamily>();
  return {
    v4: siteFamilies(zone, def, 4, store, view, prev?.v4),
    v6: siteFamilies(zone, def, 6, store, view, prev?.v6),
    chosen: { v4: new Map(), v6: new Map() },
    union(family, sites) {
      const key = `${family}\u0000${sites.join('\u0000')}`;
      let f = unions.get(key);
      if (!f) {
        const chosen = new Set(sites);
        const members = def.members.filter((m) => m.site !== undefined && chosen.has(m.site));
        f = compileFamily(zone, { ...def, members }, family, store, view, undefined, undefined, `sites ${sites.join('+')}`);
        unions.set(key, f);
      }
      return f;
    },
  };
}

function stateKey(zone: string, pool: string, family: 4 | 6, site?: string): string {
  const base = `${poolKey(zone, pool)}\u0000${family}`;
  return site === undefined ? base : `${base}\u0000${site}`;
}

/** The key PoolStateStore.retain takes for a pool (every state key of the pool starts with it). */
export function poolKey(zone: string, pool: string): string {
  return `${zone}\u0000${pool}`;
}

/** Follow fallback chains once per build so the query path need not (bounded like balance's walk): who needs the client's address, who its location. */
export function markClientDependence(pools: Map<string, CompiledPool>, maxDepth: number): Map<string, CompiledPool> {
  const out = new Map<string, CompiledPool>();
  for (const [name, first] of pools) {
    let pool: CompiledPool | undefined = first;
    let depends = false;
    let locates = false;
    for (let depth = 0; pool && depth < maxDepth && !locates; depth++) {
      depends ||= pool.usesClient || pool.sites !== null;
      locates = pool.sites !== null;
      pool = pool.fallback.kind === 'pool' ? pools.get(pool.fallback.pool) : undefined;
    }
    const same = depends === first.dependsOnClient && locates === first.dependsOnLocation;
    out.set(name, same ? first : { ...first, dependsOnClient: depends, dependsOnLocation: locates });
  }
  return out;
}

/** Names (`"web" in lb.example.test. (IPv4, fallback all)`) of pool families with members but none eligible. */
export function emptyFamilies(pools: Map<string, Map<string, CompiledPool>>): string[] {
  const out: string[] = [];
  for (const byName of pools.values()) {
    for (const p of byName.values()) {
      for (const f of [p.v4, p.v6]) {
        if (f.members.length === 0 && f.excluded.length > 0) out.push(`"${p.name}" in ${p.zone} (IPv${f.family}, fallback ${p.fallback.kind === 'pool' ? `pool ${p.fallback.pool}` : p.fallback.kind})`);
      }
    }
  }
  return out;
}
