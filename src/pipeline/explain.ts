/**
 * explain: run one query through the real pipeline with tracing on and report what each stage
 * decided — which zone and pool, which members were eligible and why others were not, what the
 * algorithm chose and why, the TTL and the ECS scope. Balancing state is copied first, so explaining
 * never moves the live rotation. Used by `meridian explain` and (later) the admin API.
 */
import { parseAddress } from '../wire/address.js';
import { RCODE_NAMES, type Placed } from '../wire/answer.js';
import { maskInPlace, type Ecs } from '../wire/ecs.js';
import { parseName, wireToKey, wireToText, type NameKey } from '../wire/name.js';
import type { CompiledPool, PoolFamily, SiteFamilies } from '../balance/pool.js';
import type { Query } from '../wire/query.js';
import { typeCode, typeName } from '../wire/types.js';
import { MeridianError } from '../errors.js';
import { runPipeline } from './run.js';
import type { Snapshot } from './snapshot.js';

export interface ExplainRequest {
  name: string;
  type?: string;
  /** source address of the simulated query (default 127.0.0.1) */
  client?: string;
  /** ECS subnet "192.0.2.0/24" */
  subnet?: string;
}

export interface ExplainResult {
  rcode: string;
  aa: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
  ecsScope: number | null;
  steps: string[];
}

function parseSubnet(text: string): Ecs {
  const [addr, len] = text.split('/');
  const a = parseAddress(addr);
  const prefix = len === undefined ? (a?.family === 4 ? 32 : 128) : Number(len);
  if (!a || !Number.isInteger(prefix) || prefix < 0 || prefix > (a.family === 4 ? 32 : 128)) {
    throw new MeridianError('CONFIG_INVALID', `subnet: "${text}" is not ADDRESS/PREFIX`);
  }
  const bytes = a.bytes.slice();
  maskInPlace(bytes, prefix);
  return { family: a.family === 4 ? 1 : 2, sourcePrefix: prefix, scopePrefix: 0, address: Buffer.from(bytes.subarray(0, (prefix + 7) >> 3)) };
}

export function present(p: Placed): string[] {
  const owner = wireToText(p.ownerWire);
  const type = typeName(p.rrset.type);
  const klass = p.rrset.klass === 3 ? 'CH' : 'IN';
  return p.rrset.text.map((t) => `${owner} ${p.ttl} ${klass} ${type} ${t}`);
}

/**
 * The snapshot with a private copy of every pool's balancing state: explaining a query shows what
 * the next real query would get without moving the live round-robin position or counting an
 * answer as handed out (least-connections).
 */
function withPrivateState(snapshot: Snapshot): Snapshot {
  const copyFamily = (f: PoolFamily): PoolFamily => ({
    ...f,
    state: { position: f.state.position, handedOut: f.state.handedOut.slice(), handedOutAt: f.state.handedOutAt.slice() },
    counters: f.counters.map((c) => ({ ...c })),
  });
  // geo: nearest pools keep a family (and state) per site, and per union of sites
  const copySites = (s: SiteFamilies | null): SiteFamilies | null =>
    s && {
      v4: new Map(Array.from(s.v4, ([site, f]) => [site, copyFamily(f)])),
      v6: new Map(Array.from(s.v6, ([site, f]) => [site, copyFamily(f)])),
      union: (family, sites) => copyFamily(s.union(family, sites)),
      // choices name families: the copy makes its own, from its copied families
      chosen: { v4: new Map(), v6: new Map() },
    };
  const pools = new Map<NameKey, Map<string, CompiledPool>>();
  for (const [zone, byName] of snapshot.pools) {
    pools.set(zone, new Map(Array.from(byName, ([name, p]) => [name, { ...p, v4: copyFamily(p.v4), v6: copyFamily(p.v6), sites: copySites(p.sites) }])));
  }
  return { ...snapshot, pools };
}

export function explain(snapshot: Snapshot, req: ExplainRequest): ExplainResult {
  const qname = parseName(req.name.endsWith('.') ? req.name : `${req.name}.`);
  const qtype = typeCode(req.type ?? 'A');
  if (qtype === undefined) throw new MeridianError('CONFIG_INVALID', `type: unknown record type "${req.type}"`);
  const client = req.client ?? '127.0.0.1';
  if (!parseAddress(client)) throw new MeridianError('CONFIG_INVALID', `client: "${client}" is not an IP address`);
  const ecs = req.subnet ? parseSubnet(req.subnet) : null;
  const query: Query = {
    id: 0,
    flags: 0,
    opcode: 0,
    qdcount: 1,
    qname,
    qkey: wireToKey(qname),
    qtype,
    qclass: 1,
    edns: { udpSize: 1232, version: 0, dnssecOk: false, nsid: false, ecs, ecsError: null },
    optCount: 1,
    malformed: null,
  };
  const steps = [`query: ${wireToText(qname)} ${typeName(qtype)} from ${client}${req.subnet ? ` with ECS ${req.subnet}` : ''}`];
  const a = runPipeline(withPrivateState(snapshot), query, 'udp', client, 0, steps);
  if (ecs) steps.push(`ECS: source prefix /${ecs.sourcePrefix}, scope prefix /${a.ecsScope}`);
  return {
    rcode: RCODE_NAMES[a.rcode] ?? String(a.rcode),
    aa: a.aa,
    answer: a.answer.flatMap(present),
    authority: a.authority.flatMap(present),
    additional: a.additional.flatMap(present),
    ecsScope: ecs ? a.ecsScope : null,
    steps,
  };
}
