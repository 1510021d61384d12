/**
 * Read-only views for the admin API: a pool with each member's state (health, drain, load, the
 * answers this process gave), and the metrics sample. Built from the zone definitions, the
 * published health view and the answer counters; nothing here changes state.
 */
import type { MemberDef, PoolDef, ZoneDefinition } from '../config/zone-types.js';
import type { PoolStateStore } from '../balance/pool.js';
import { healthMemberView, memberKey } from '../health/status.js';
import { loadMaxAgeMs, type PushedLoads } from '../health/pushed.js';
import type { HealthView } from '../health/types.js';
import type { Stats } from '../transport/handler.js';
import { RCODE_NAMES } from '../wire/answer.js';
import { typeName } from '../wire/types.js';
import type { MemberHealthState, MemberState, MetricsSample, PoolView } from './service.js';

export interface ViewSources {
  health: HealthView | undefined;
  states: PoolStateStore;
  pushed: PushedLoads;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function healthState(m: MemberDef, view: HealthView | undefined): { state: MemberHealthState; h?: ReturnType<HealthView['members']['get']> } {
  if (!m.check) return { state: 'unchecked' };
  const h = view?.members.get(memberKey(m)!);
  return { state: h?.state ?? 'unknown', h };
}

/** When a drained member is safe to take down: its last answer plus the TTL (now if never answered). */
export function safeAfter(lastAt: number, ttl: number, now: number): number {
  return lastAt > 0 ? Math.max(lastAt + ttl * 1000, now) : now;
}

export function memberState(zone: ZoneDefinition, pool: PoolDef, m: MemberDef, src: ViewSources): MemberState {
  const status = healthMemberView(src.health).status(zone.origin, pool.name, m);
  const { state, h } = healthState(m, src.health);
  const counter = src.states.peekCounter(zone.origin, pool.name, m.name);
  const lastAt = counter?.lastAt ?? 0;
  const out: MemberState = {
    name: m.name,
    address: m.address,
    weight: m.weight,
    enabled: m.enabled,
    drained: m.drained,
    eligible: status.eligible,
    health: { state },
    answers: counter?.answers ?? 0,
    lastAnswered: lastAt > 0 ? iso(lastAt) : null,
  };
  if (m.site !== undefined) out.site = m.site;
  if (m.checkAddress !== undefined) out.checkAddress = m.checkAddress;
  if (status.reason) out.reason = status.reason;
  if (h) {
    out.health.since = iso(h.since);
    if (h.last) out.health.last = { ok: h.last.ok, latencyMs: h.last.latencyMs, detail: h.last.detail, at: iso(h.last.at) };
  }
  const probed = h?.load;
  const pushed = src.pushed.get(zone.origin, pool.name, m.name);
  const maxAge = loadMaxAgeMs(m);
  if (pushed && (!probed || pushed.at > probed.at)) {
    out.load = { connections: pushed.connections, at: iso(pushed.at), source: 'push', fresh: src.now - pushed.at <= maxAge };
    if (pushed.capacity !== undefined) out.load.capacity = pushed.capacity;
  } else if (probed) {
    out.load = { connections: probed.connections, at: iso(probed.at), source: 'probe', fresh: src.now - probed.at <= maxAge };
  }
  if (m.drained) out.safeAfter = iso(safeAfter(lastAt, pool.ttl, src.now));
  return out;
}

export function poolView(zone: ZoneDefinition, pool: PoolDef, src: ViewSources): PoolView {
  return {
    zone: zone.origin,
    name: pool.name,
    algorithm: pool.algorithm,
    ttl: pool.ttl,
    answers: pool.answers,
    geo: pool.geo,
    fallback: pool.fallback.kind === 'pool' ? { pool: pool.fallback.pool } : pool.fallback.kind === 'none' ? `none (${pool.fallback.rcode})` : 'all',
    members: pool.members.map((m) => memberState(zone, pool, m, src)),
  };
}

export function metricsSample(zones: readonly ZoneDefinition[], stats: Stats, reloadErrors: number, src: ViewSources): MetricsSample {
  const queriesByType: Record<string, number> = {};
  stats.qtypes.forEach((n, t) => {
    if (n > 0) queriesByType[typeName(t)] = n;
  });
  for (const [t, n] of stats.otherTypes) queriesByType[typeName(t)] = n;
  const responsesByRcode: Record<string, number> = {};
  stats.rcodes.forEach((n, r) => {
    if (n > 0) responsesByRcode[RCODE_NAMES[r] ?? String(r)] = n;
  });
  const members: MetricsSample['members'] = [];
  for (const z of zones) {
    for (const p of z.pools) {
      for (const m of p.members) {
        const s = memberState(z, p, m, src);
        const row: MetricsSample['members'][number] = { zone: z.origin, pool: p.name, member: m.name, state: s.health.state, eligible: s.eligible, drained: m.drained, answers: s.answers };
        if (s.health.last) row.probeLatencyMs = s.health.last.latencyMs;
        members.push(row);
      }
    }
  }
  return { queriesByType, responsesByRcode, members, reloadErrors, zones: zones.length };
}
