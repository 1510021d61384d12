/**
 * Helpers for the pool and balancing integration tests (test/pools.test.ts, ip-hash.test.ts,
 * explain.test.ts): a zone around a `pools:` section, ECS options for dns-packet, and reading
 * which members answered.
 */
import { parseZoneText } from '../../src/config/zone-file.js';
import type { ZoneDefinition } from '../../src/config/zone-types.js';
import { query, rr, type Packet, type QuestionOptions } from './client.js';

/**
 * A zone `origin` with an NS, the given extra `records:` lines and `pools:` section (both YAML,
 * indented as they would be in the file: records by 2, pools by 2).
 */
export function poolZone(origin: string, records: string, pools: string): string {
  return `
zone: ${origin}
ttl: 300
soa: { mname: ns.${origin}, rname: hostmaster.${origin}, serial: 1, minimum: 60 }
ns: [ns.${origin}]
records:
  - { name: ns, type: A, data: 192.0.2.1 }
${records}
pools:
${pools}
`;
}

export function zoneDef(text: string): ZoneDefinition {
  return parseZoneText(text, 'inline.yaml');
}

/** An EDNS Client Subnet option for dns-packet. `ip` must already be masked to `prefix`. */
export function ecsOption(ip: string, prefix: number): { code: string; ip: string; sourcePrefixLength: number } {
  return { code: 'CLIENT_SUBNET', ip, sourcePrefixLength: prefix };
}

/** Query options carrying ECS `subnet` ("203.0.113.0/24"), plus any others. */
export function withEcs(subnet: string, opts: QuestionOptions = {}): QuestionOptions {
  const [ip, len] = subnet.split('/');
  return { ...opts, edns: { options: [ecsOption(ip, Number(len))] } };
}

export interface ReplyEcs {
  family: number;
  ip: string;
  sourcePrefixLength: number;
  scopePrefixLength: number;
}

/** The CLIENT-SUBNET option of a reply, or undefined when it has none. */
export function replyEcs(p: Packet): ReplyEcs | undefined {
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as { options?: Array<{ code: number } & ReplyEcs> } | undefined;
  const o = opt?.options?.find((x) => x.code === 8);
  return o && { family: o.family, ip: o.ip, sourcePrefixLength: o.sourcePrefixLength, scopePrefixLength: o.scopePrefixLength };
}

/** Presentation lines of a section. */
export function lines(records: Packet['answers']): string[] {
  return (records ?? []).map(rr);
}

/** RDATA of the A / AAAA records in the answer section, in order. */
export function addrs(p: Packet): string[] {
  return (p.answers ?? []).filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => (a as { data: string }).data);
}

/** The one address of a single-answer reply (fails loudly otherwise). */
export function one(p: Packet): string {
  const a = addrs(p);
  if (a.length !== 1 || p.rcode !== 'NOERROR') throw new Error(`expected one address, got ${p.rcode} ${JSON.stringify(a)}`);
  return a[0];
}

/** `times` queries one after the other (order matters: sequences). */
export async function sequence(port: number, name: string, times: number, opts: QuestionOptions = {}): Promise<Packet[]> {
  const out: Packet[] = [];
  for (let i = 0; i < times; i++) out.push(await query(port, name, opts));
  return out;
}

/** `times` queries, `concurrency` in flight at once (order does not matter: proportions). */
export async function burst(port: number, name: string, times: number, opts: QuestionOptions = {}, concurrency = 64): Promise<Packet[]> {
  const out: Packet[] = [];
  for (let i = 0; i < times; i += concurrency) {
    const n = Math.min(concurrency, times - i);
    out.push(...(await Promise.all(Array.from({ length: n }, () => query(port, name, opts)))));
  }
  return out;
}

/** How often each value occurs, as a share of all. */
export function shares(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[k] /= values.length;
  return counts;
}

/** Replace member addresses by member names through `names` (address → name). */
export function named(addresses: readonly string[], names: Record<string, string>): string[] {
  return addresses.map((a) => names[a] ?? a);
}
