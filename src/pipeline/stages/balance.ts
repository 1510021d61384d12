/**
 * balance: the only stage that chooses pool members. Takes the pool hit from `lookup`, asks the
 * pool's bound algorithm for `answers` members among the eligible ones, and applies the pool's
 * fallback when none is eligible. Sets the ECS scope to what the answer depended on.
 */
import type { CompiledPool, MemberLoad, NearestChoice, PoolFamily } from '../../balance/pool.js';
import type { LoadFigure, PickContext } from '../../balance/types.js';
import { maskInPlace } from '../../wire/ecs.js';
import { RCODE, place, type RRset } from '../../wire/answer.js';
import { MAX_FALLBACK_DEPTH } from '../snapshot.js';
import type { Site, SiteTable } from '../../geo/index.js';
import type { PoolHit } from '../../zone/lookup.js';
import { ANSWERED, respond, type QueryContext, type StageResult } from '../context.js';

const A = 1;
const EMPTY_KEY = new Uint8Array(0);

/**
 * One reusable pick context: the query path is synchronous, so one per process suffices. `load`
 * serves the family's figures that are still fresh; an expired figure counts as none, and the
 * algorithm falls back to weights and the answers it handed out.
 */
class Picking implements PickContext {
  random = Math.random;
  now = 0;
  clientKey: Uint8Array = EMPTY_KEY;
  count = 1;
  ttl = 30;
  loads: readonly (MemberLoad | undefined)[] = [];
  load(index: number): LoadFigure | undefined {
    const f = this.loads[index];
    return f && this.now - f.at <= f.maxAgeMs ? f : undefined;
  }
}
const pickCtx = new Picking();
let picked = new Int32Array(16);

function familyOf(pool: CompiledPool, qtype: number): PoolFamily {
  return qtype === A ? pool.v4 : pool.v6;
}

function clientKeyFor(ctx: QueryContext, pool: CompiledPool): { key: Uint8Array; scope: number } {
  const c = ctx.client;
  if (!c) return { key: EMPTY_KEY, scope: 0 };
  const limit = c.family === 4 ? pool.hashPrefix.v4 : pool.hashPrefix.v6;
  const prefix = Math.min(limit, c.prefix);
  const key = c.address.slice();
  maskInPlace(key, prefix);
  return { key, scope: prefix };
}

export const balance = {
  name: 'balance',
  run(ctx: QueryContext): StageResult {
    const hit = ctx.poolHit!;
    let pool = ctx.pool;
    const a = ctx.answer;
    for (let depth = 0; pool && depth < MAX_FALLBACK_DEPTH; depth++) {
      const fam = familyOf(pool, hit.qtype);
      // pool has no member of this family at all: NODATA (disabled members still count as members,
      // so a pool whose members are all disabled goes on to its fallback)
      if (fam.members.length === 0 && fam.excluded.length === 0) {
        if (ctx.trace) ctx.trace.push(`balance: pool "${pool.name}" has no IPv${fam.family} members → NODATA`);
        break;
      }
      if (ctx.trace) traceEligibility(ctx.trace, pool, fam);
      if (fam.members.length > 0 && pool.sites) {
        if (answerNearest(ctx, pool, hit)) return ANSWERED;
      } else if (fam.members.length > 0) {
        const { key, scope } = pool.usesClient ? clientKeyFor(ctx, pool) : { key: EMPTY_KEY, scope: 0 };
        const n = pick(pool, fam, key, pool.answers);
        a.answer.push(place(rrsetOf(hit.ownerKey, hit.ownerWire, hit.qtype, pool.ttl, fam, n), hit.ownerKey, hit.ownerWire, pool.ttl));
        a.ecsScope = scope;
        if (ctx.trace) traceChoice(ctx.trace, pool, fam, n);
        return ANSWERED;
      }
      const fb = pool.fallback;
      if (fb.kind === 'all') {
        const all = fam.all;
        if (all.length === 0) {
          if (ctx.trace) ctx.trace.push(`balance: no eligible member in pool "${pool.name}"; fallback all, but every member is disabled → NODATA`);
          break;
        }
        const rdata = all.map((c) => fam.rdata[c.index]);
        const text = all.map((c) => fam.text[c.index]);
        const now = Date.now();
        for (const c of all) countAnswer(fam, c.index, now);
        const rrset: RRset = { ownerKey: hit.ownerKey, ownerWire: hit.ownerWire, type: hit.qtype, ttl: pool.ttl, rdata, text };
        a.answer.push(place(rrset, hit.ownerKey, hit.ownerWire, pool.ttl));
        if (ctx.trace) ctx.trace.push(`balance: no eligible member in pool "${pool.name}"; fallback all → every enabled member, health ignored`);
        return ANSWERED;
      }
      if (fb.kind === 'none') {
        if (ctx.trace) ctx.trace.push(`balance: no eligible member in pool "${pool.name}"; fallback none → ${fb.rcode.toUpperCase()}`);
        if (fb.rcode === 'servfail') {
          a.aa = false;
          return respond(RCODE.SERVFAIL);
        }
        break;
      }
      if (ctx.trace) ctx.trace.push(`balance: no eligible member in pool "${pool.name}"; falling back to pool "${fb.pool}"`);
      pool = ctx.snapshot.pools.get(hit.zone.origin)?.get(fb.pool);
    }
    a.authority.push(hit.zone.negative); // NODATA
    return ANSWERED;
  },
};

function pick(pool: CompiledPool, fam: PoolFamily, key: Uint8Array, answers: number): number {
  const want = Math.min(answers, fam.members.length);
  if (picked.length < want) picked = new Int32Array(want);
  pickCtx.now = Date.now();
  pickCtx.clientKey = key;
  pickCtx.count = want;
  pickCtx.ttl = pool.ttl;
  pickCtx.loads = fam.loads;
  return fam.bound.pick(pickCtx, fam.state, picked);
}

function hasEligible(site: Site, bySite: ReadonlyMap<string, PoolFamily>): boolean {
  const f = bySite.get(site.name);
  return f !== undefined && f.members.length > 0;
}

/**
 * geo: nearest — the nearest `sites-per-answer` sites that have an eligible member, in order of
 * preference; the pool's algorithm picks `answers` members among the eligible members of those
 * sites together (one site: its own family; several: their union). ECS scope: the prefix the answer depended on (the matched network, or the hashed prefix
 * for ip-hash, whichever is longer). It may be longer than the source prefix the resolver sent: a
 * /16 that the database splits into a /17 and two /18s gets the /17's scope, so the resolver does
 * not reuse the answer for the rest of the /16 (RFC 7871 §7.2.1).
 */
function answerNearest(ctx: QueryContext, pool: CompiledPool, hit: PoolHit): boolean {
  // set by the geo stage, which runs whenever the first pool or one it falls back to is geo
  const zoneGeo = ctx.zoneGeo;
  if (!zoneGeo || !pool.sites) return false;
  const v4 = hit.qtype === A;
  const location = ctx.client?.location;
  const order = zoneGeo.sites.order(location);
  // worked out once per order and snapshot: clients that rank the sites alike share it
  const memo = v4 ? pool.sites.chosen.v4 : pool.sites.chosen.v6;
  let choice = memo.get(order);
  if (choice === undefined) memo.set(order, (choice = nearestChoice(zoneGeo.sites, order, pool, v4)));
  if (!choice) return false;
  const { sites: chosen, family: fam } = choice;
  const { key, scope: hashScope } = pool.usesClient ? clientKeyFor(ctx, pool) : { key: EMPTY_KEY, scope: 0 };
  const n = pick(pool, fam, key, pool.answers);
  ctx.answer.answer.push(place(rrsetOf(hit.ownerKey, hit.ownerWire, hit.qtype, pool.ttl, fam, n), hit.ownerKey, hit.ownerWire, pool.ttl));
  const c = ctx.client;
  ctx.answer.ecsScope = c ? Math.max(c.geoPrefix ?? 0, hashScope) : 0;
  if (ctx.trace) {
    ctx.trace.push(
      `balance: geo nearest (${zoneGeo.sites.reason(location)}): site order ${order.map((s) => s.name).join(', ')}; ` +
        `answering from ${chosen.map((s) => s.name).join(', ')}: ${Array.from(picked.subarray(0, n), (i) => `${fam.members[i].name}@${fam.members[i].site}`).join(', ')}; TTL ${pool.ttl}`,
    );
  }
  return true;
}

/** The nearest `sites-per-answer` sites of `order` with an eligible member, and the family to pick from. */
function nearestChoice(table: SiteTable, order: readonly Site[], pool: CompiledPool, v4: boolean): NearestChoice | null {
  const sites = pool.sites!;
  const bySite = v4 ? sites.v4 : sites.v6;
  const chosen = table.firstEligible(order, pool.sitesPerAnswer, hasEligible, bySite);
  if (chosen.length === 0) return null;
  // one site: its own family; several: the family over their members together
  const family = chosen.length === 1 ? bySite.get(chosen[0].name)! : sites.union(v4 ? 4 : 6, chosen.map((s) => s.name));
  return { sites: chosen, family };
}

/** Count an answer naming the member (admin API: answers, last answer for drains; metrics). */
function countAnswer(fam: PoolFamily, idx: number, now: number): void {
  const c = fam.counters[idx];
  c.answers++;
  c.lastAt = now;
}

function rrsetOf(ownerKey: string, ownerWire: Buffer, type: number, ttl: number, fam: PoolFamily, n: number): RRset {
  const rdata: Buffer[] = new Array(n);
  const text: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const idx = fam.members[picked[i]].index;
    rdata[i] = fam.rdata[idx];
    text[i] = fam.text[idx];
    countAnswer(fam, idx, pickCtx.now);
  }
  return { ownerKey, ownerWire, type, ttl, rdata, text };
}

function traceEligibility(trace: string[], pool: CompiledPool, fam: PoolFamily): void {
  trace.push(
    `balance: pool "${pool.name}" (${pool.def.algorithm}, IPv${fam.family}): eligible ${fam.members.map((m) => m.name).join(', ') || 'none'}` +
      (fam.excluded.length ? `; not eligible: ${fam.excluded.map((e) => `${e.name} (${e.reason})`).join(', ')}` : ''),
  );
}

function traceChoice(trace: string[], pool: CompiledPool, fam: PoolFamily, n: number): void {
  const chosen = Array.from(picked.subarray(0, n), (i) => fam.members[i].name);
  const why = fam.bound.explain?.(pickCtx, fam.state, Array.from(picked.subarray(0, n)));
  trace.push(`balance: chose ${chosen.join(', ')}${why ? ` — ${why}` : ''}; TTL ${pool.ttl}`);
}
