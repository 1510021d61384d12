/**
 * The `pools:` section -> PoolDef[], with defaults filled in and the checks the schema cannot
 * make: member addresses and unique member names, options that only fit one algorithm or
 * fallback, fallback pools that exist and do not loop. Health checks: zone-health-resolve.ts;
 * `geo:` and member sites: zone-geo.ts.
 */
import type { Problem } from '../errors.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../wire/rdata-text.js';
import { poolGeo } from './zone-geo.js';
import { memberCheck, poolHealth, type PoolHealth } from './zone-health-resolve.js';
import type { HealthContext } from './zone-health.js';
import { LABEL_PATTERN, POOL_DEFAULTS, type ZoneFilePool } from './zone-schema.js';
import type { FallbackDef, MemberDef, PoolDef, SiteDef } from './zone-types.js';
import type { ZoneSource } from './zone-yaml.js';

const LABEL = new RegExp(LABEL_PATTERN);

/** Canonical text and family of a member address, or undefined when it is neither v4 nor v6. */
export function memberAddress(text: string): { address: string; family: 4 | 6 } | undefined {
  const v4 = parseIPv4(text.trim());
  if (v4) return { address: formatIPv4(v4), family: 4 };
  const v6 = parseIPv6(text.trim());
  if (v6) return { address: formatIPv6(v6), family: 6 };
  return undefined;
}

function fallbackOf(p: ZoneFilePool): FallbackDef {
  const f = p.fallback ?? 'all';
  if (f === 'all') return { kind: 'all' };
  if (f === 'none') return { kind: 'none', rcode: p.empty ?? 'nodata' };
  return { kind: 'pool', pool: f.pool };
}

function buildMembers(pool: ZoneFilePool, path: Array<string | number>, health: PoolHealth, ctx: HealthContext): MemberDef[] {
  const { src, problems } = ctx;
  const lines = new Map<string, number>();
  const members: MemberDef[] = [];
  pool.members.forEach((m, j) => {
    const at = [...path, 'members', j];
    const line = src.where(at).line ?? 0;
    const seen = lines.get(m.name);
    if (seen !== undefined) problems.push(src.problem([...at, 'name'], `member name "${m.name}" is already used at line ${seen}`));
    else lines.set(m.name, line);
    const written = m['check-address'];
    const checkAddress = written === undefined ? undefined : memberAddress(written)?.address;
    if (written !== undefined && checkAddress === undefined) {
      problems.push(src.problem([...at, 'check-address'], `"${written}" is not an IPv4 or IPv6 address`));
    }
    const check = memberCheck(health, m.health, [...at, 'health'], ctx);
    const addr = memberAddress(m.address);
    if (!addr) {
      problems.push(src.problem([...at, 'address'], `"${m.address}" is not an IPv4 or IPv6 address`));
      return;
    }
    members.push({
      name: m.name,
      ...addr,
      weight: m.weight ?? 1,
      ...(m.site !== undefined ? { site: m.site } : {}),
      enabled: m.enabled ?? true,
      drained: m.drained ?? false,
      ...(checkAddress !== undefined ? { checkAddress } : {}),
      check,
      line,
    });
  });
  return members;
}

/** One problem per fallback loop, reported at the loop's first pool in file order. */
function checkLoops(pools: PoolDef[], src: ZoneSource): Problem[] {
  const next = new Map<string, string>();
  for (const p of pools) if (p.fallback.kind === 'pool') next.set(p.name, p.fallback.pool);
  const order = new Map(pools.map((p, i) => [p.name, i]));
  const done = new Set<string>();
  const problems: Problem[] = [];
  for (const start of pools) {
    const walk: string[] = [];
    let cur: string | undefined = start.name;
    while (cur !== undefined && order.has(cur) && !done.has(cur) && !walk.includes(cur)) {
      walk.push(cur);
      cur = next.get(cur);
    }
    if (cur !== undefined && walk.includes(cur)) {
      const loop = walk.slice(walk.indexOf(cur));
      const first = loop.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
      const from = loop.indexOf(first);
      const ring = [...loop.slice(from), ...loop.slice(0, from), first];
      problems.push(src.problem(['pools', first, 'fallback', 'pool'], `fallback loop: ${ring.join(' -> ')}`));
    }
    walk.forEach((n) => done.add(n));
  }
  return problems;
}

/** `origin` is the zone's: names in `health.dns.name` are relative to it. `sites`: the zone's `sites:`. */
export function buildPools(
  section: Record<string, ZoneFilePool> | undefined,
  src: ZoneSource,
  origin: string,
  sites: readonly SiteDef[] = [],
): { pools: PoolDef[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const ctx: HealthContext = { src, origin, problems };
  const pools: PoolDef[] = [];
  const entries = Object.entries(section ?? {});
  const names = new Set(entries.map(([n]) => n));
  for (const [name, p] of entries) {
    const path = ['pools', name];
    if (!LABEL.test(name)) {
      problems.push(src.keyProblem(path, 'pool name must be 1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit'));
    }
    // hash-prefix is read by ip-hash only; other algorithms ignore it (the example has it)
    if (p.empty !== undefined && p.fallback !== 'none') {
      problems.push(src.keyProblem([...path, 'empty'], 'empty applies only with fallback: none'));
    }
    const fallback = fallbackOf(p);
    if (fallback.kind === 'pool' && !names.has(fallback.pool)) {
      problems.push(src.problem([...path, 'fallback', 'pool'], `no pool named "${fallback.pool}" in this zone`));
    }
    const hp = p['hash-prefix'];
    const health = poolHealth(p.health, [...path, 'health'], ctx);
    const geo = poolGeo(p, path, sites, src, problems);
    pools.push({
      name,
      algorithm: p.algorithm,
      ttl: p.ttl ?? POOL_DEFAULTS.ttl,
      answers: p.answers ?? POOL_DEFAULTS.answers,
      fallback,
      hashPrefix: { v4: hp?.v4 ?? POOL_DEFAULTS.hashPrefix.v4, v6: hp?.v6 ?? POOL_DEFAULTS.hashPrefix.v6 },
      ...geo,
      ...(health.check !== undefined ? { health: health.check } : {}),
      members: buildMembers(p, path, health, ctx),
      line: src.whereKey(['pools'], name).line,
    });
  }
  problems.push(...checkLoops(pools, src));
  return { pools, problems };
}
