/**
 * The deployment of docker-compose.yml, run without Docker (scripts/topology.mjs): a 3-node etcd
 * cluster, three nginx backends with stub_status as pool members, Meridian ns1 (127.0.0.2) and
 * ns2 (127.0.0.3) sharing their zone through etcd, and Unbound with a stub zone at both. Asked
 * the way users and operators do: dig through the resolver, dig each name server, curl the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dig, type DigResult } from './helpers/dig.js';
import { until } from './helpers/backends.js';
import { adminFetch, startTopology, WEB_ADDRESSES, type Topology } from './helpers/topology.js';
import { describeWith } from './helpers/tools.js';

const Z = '/api/v1/zones/lb.example.test.';

describeWith(['etcd', 'nginx', 'unbound', 'dig'], 'the local topology end to end', () => {
  let t: Topology;
  beforeAll(async () => {
    t = await startTopology();
  }, 120_000);
  afterAll(() => t?.stop());

  const direct = (i: number, q = 'www.lb.example.test A') => dig(t.ns[i].port, `${q} +norec`, { server: t.ns[i].host });
  const addresses = (r: DigResult) => r.answer.map((rr) => rr.split(' ').pop()!);

  /** every instance answers www from the pool without `member` (over `n` queries each) */
  async function neither(member: string, n = 10): Promise<boolean> {
    for (const i of [0, 1]) for (let k = 0; k < n; k++) if (addresses(await direct(i)).includes(member)) return false;
    return true;
  }

  it('resolves through Unbound: recursion available, not authoritative, a healthy backend with the pool TTL', async () => {
    // the first round of health checks and load probes has to pass on both instances
    await until('both instances answer www', async () => (await direct(0)).status === 'NOERROR' && (await direct(1)).status === 'NOERROR', 10_000, 100);
    const r = await dig(t.unbound.port, 'www.lb.example.test A');
    expect(r.status).toBe('NOERROR');
    expect(r.flags.has('ra')).toBe(true);
    expect(r.flags.has('aa')).toBe(false);
    expect(r.answer).toHaveLength(1);
    expect(WEB_ADDRESSES).toContain(addresses(r)[0]);
    const ns = await direct(1);
    expect(ns.flags.has('aa')).toBe(true);
    expect(Number(ns.answer[0].split(' ')[1])).toBe(5);
  });

  it("a drain through ns1's API stops ns2 answering the member too", async () => {
    const r = await adminFetch(t.ns[0], 'POST', `${Z}/pools/web/members/web2/drain`);
    expect(r.status).toBe(200);
    await until('neither instance answers web2', () => neither(WEB_ADDRESSES[1]), 2000, 20);
    // and the resolver, once its 5 s copy has expired
    await new Promise((res) => setTimeout(res, 5500));
    for (let k = 0; k < 10; k++) expect(addresses(await dig(t.unbound.port, 'www.lb.example.test A'))).not.toContain(WEB_ADDRESSES[1]);
    expect((await adminFetch(t.ns[1], 'POST', `${Z}/pools/web/members/web2/undrain`)).status).toBe(200);
  }, 30_000);

  it('a killed backend: both instances fail over, and take it back when it returns', async () => {
    await t.web[0].kill();
    // fall 2 × interval 1 s + timeout 0.5 s, plus publishing
    await until('web1 out on both instances', () => neither(WEB_ADDRESSES[0], 5), 5000, 50);
    await t.web[0].start();
    await until('web1 back on both instances', async () => {
      const seen = new Set<string>();
      for (const i of [0, 1]) for (let k = 0; k < 10; k++) addresses(await direct(i)).forEach((a) => seen.add(`${i}:${a}`));
      return seen.has(`0:${WEB_ADDRESSES[0]}`) && seen.has(`1:${WEB_ADDRESSES[0]}`);
    }, 8000, 100);
  }, 30_000);

  it('one etcd node killed: writes go on; etcd stopped: answers go on (through Unbound too); restarted: both converge', async () => {
    await t.etcd.nodes[2].kill();
    const a = await adminFetch(t.ns[1], 'POST', `${Z}/records`, { name: 'one-node-down', type: 'A', data: '192.0.2.201' });
    expect(a.status).toBe(201);
    await until('ns1 has it', async () => (await direct(0, 'one-node-down.lb.example.test A')).status === 'NOERROR', 3000, 20);
    await t.etcd.nodes[2].start();

    await t.etcd.stop();
    expect((await direct(0)).status).toBe('NOERROR');
    expect((await direct(1)).status).toBe('NOERROR');
    // a name the resolver has not cached: it must ask an instance, which answers without etcd
    const s = await dig(t.unbound.port, 'static.lb.example.test A');
    expect(s.answer).toHaveLength(1);
    expect(s.answer[0]).toMatch(/^static\.lb\.example\.test\. \d+ IN A 192\.0\.2\.10$/);
    const refused = await adminFetch(t.ns[0], 'POST', `${Z}/records`, { name: 'while-down', type: 'A', data: '192.0.2.202' });
    expect(refused.status).toBe(503);

    await t.etcd.start();
    await until('ns1 writes again', async () => (await adminFetch(t.ns[0], 'POST', `${Z}/records`, { name: 'after', type: 'A', data: '192.0.2.203' })).status === 201, 15_000, 200);
    for (const i of [0, 1]) await until(`ns${i + 1} converges`, async () => (await direct(i, 'after.lb.example.test A')).status === 'NOERROR', 5000, 50);
    const r = await dig(t.unbound.port, 'after.lb.example.test A');
    expect(addresses(r)).toEqual(['192.0.2.203']);
  }, 60_000);
});
