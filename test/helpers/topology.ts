/**
 * The whole local topology for end-to-end tests (docker-compose.yml without Docker): a 3-node etcd
 * cluster, nginx backends web1-3 on 127.0.0.11-13, Meridian ns1 on 127.0.0.2 and ns2 on
 * 127.0.0.3 (one port, zones from etcd), and Unbound with a stub zone at both.
 *
 *   const t = await startTopology();                          // builds dist/ first if stale
 *   afterAll(() => t.stop());
 *   await dig(t.unbound.port, 'www.lb.example.test A');
 *   await dig(t.ns[1].port, 'www.lb.example.test A +norec', '127.0.0.3');
 *   await adminFetch(t.ns[0], 'GET', '/api/v1/zones');
 *
 * Needs etcd-server, nginx and unbound: gate with `describeWith(['etcd', 'nginx', 'unbound', 'dig'], …)`.
 * The implementation is scripts/topology.mjs (`node scripts/topology.mjs up` runs it by hand).
 */
import { ensureBuilt } from './build.js';
import { up, type MeridianInstance, type Topology } from '../../scripts/topology.mjs';

export { describeTopology, NS_ADDRESSES, WEB_ADDRESSES, type Topology } from '../../scripts/topology.mjs';
export { etcdImport, startMeridian, topologyZone, type MeridianInstance, type MeridianOptions } from '../../scripts/topology/meridian.mjs';

/** Build dist/ if it is stale (once per run), then start the topology. */
export async function startTopology(opts: { zone?: string; token?: string; prefix?: string } = {}): Promise<Topology> {
  await ensureBuilt();
  return up(opts);
}

/** A call to an instance's admin API with its token; resolves status and parsed JSON (or text). */
export async function adminFetch(
  m: MeridianInstance,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  if (!m.adminUrl) throw new Error(`${m.identity} runs without the admin API`);
  const res = await fetch(`${m.adminUrl}${path}`, {
    method,
    headers: {
      ...(m.token ? { authorization: `Bearer ${m.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
