/**
 * The zone of the GeoIP steering tests (test/geo.test.ts, test/geo-real.test.ts): the three sites
 * of issue 5 with two overrides, and a `geo: nearest` pool `web` whose member addresses say where
 * they live (10.1.x fra, 10.2.x iad, 10.3.x sin; fd00:1::x fra, fd00:2::x iad, no IPv6 in sin).
 */
import { query, type Packet } from './client.js';
import { addrs, replyEcs, withEcs } from './pools.js';

export const GEO_ORIGIN = 'geo.test.';

export const SITES = `
  fra: { lat: 50.11, lon: 8.68 }
  iad: { lat: 38.95, lon: -77.45, continents: [SA] }
  sin: { lat: 1.35, lon: 103.82, countries: [AU] }`;

/** `web`: round-robin; two members in fra, one in iad, one in sin; IPv6 in fra and iad only. */
export const WEB_POOL = `
  web:
    geo: nearest
    algorithm: round-robin
    ttl: 20
    members:
      - { name: fra-1, address: 10.1.0.1, site: fra }
      - { name: fra-2, address: 10.1.0.2, site: fra }
      - { name: iad-1, address: 10.2.0.1, site: iad }
      - { name: sin-1, address: 10.3.0.1, site: sin }
      - { name: fra-6, address: "fd00:1::1", site: fra }
      - { name: iad-6, address: "fd00:2::1", site: iad }`;

/** Member name by address (members of other pools in the tests use the same addresses). */
const NAMES: Record<string, string> = {
  '10.1.0.1': 'fra-1',
  '10.1.0.2': 'fra-2',
  '10.2.0.1': 'iad-1',
  '10.2.0.2': 'iad-2',
  '10.3.0.1': 'sin-1',
  '10.9.0.1': 'plain-1',
  'fd00:1::1': 'fra-6',
  'fd00:2::1': 'iad-6',
};

/**
 * A zone at geo.test. locating clients in `database`, with SITES (or `sites`), default site iad
 * (or `defaultSite`; null leaves it out),
 * the `web` pool plus `pools` (YAML indented by 2), and a name per pool (`web.geo.test.` → web).
 */
export function geoZone(database: string, opts: { pools?: string; sites?: string; defaultSite?: string | null } = {}): string {
  const pools = WEB_POOL + (opts.pools ?? '');
  const names = [...pools.matchAll(/^ {2}([a-z][a-z0-9-]*):/gm)].map((m) => m[1]);
  return `
zone: ${GEO_ORIGIN}
ttl: 300
soa: { mname: ns.${GEO_ORIGIN}, rname: hostmaster.${GEO_ORIGIN}, serial: 1, minimum: 60 }
ns: [ns.${GEO_ORIGIN}]
geoip: { database: ${JSON.stringify(database)}${opts.defaultSite === null ? '' : `, default-site: ${opts.defaultSite ?? 'iad'}`} }
sites:${opts.sites ?? SITES}
records:
  - { name: ns, type: A, data: 192.0.2.1 }
${names.map((n) => `  - { name: ${n}, pool: ${n} }`).join('\n')}
pools:${pools}
`;
}

/** Member names in the answer, in order. */
export function who(p: Packet): string[] {
  return addrs(p).map((a) => NAMES[a] ?? a);
}

/** Ask `name` (e.g. "web") with ECS `subnet`; the member names answered and the reply's ECS scope. */
export async function ask(port: number, name: string, subnet: string, type = 'A'): Promise<{ rcode: string | undefined; members: string[]; scope: number | undefined; source: number | undefined; reply: Packet }> {
  const reply = await query(port, `${name}.${GEO_ORIGIN}`, withEcs(subnet, { type }));
  const ecs = replyEcs(reply);
  return { rcode: reply.rcode, members: who(reply), scope: ecs?.scopePrefixLength, source: ecs?.sourcePrefixLength, reply };
}

/** The site of a member name ("fra-2" → "fra"). */
export const siteOf = (member: string): string => member.slice(0, 3);

/** Poll `check` every 20 ms until it holds (the server picks changes up in the background). */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
