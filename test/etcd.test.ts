/**
 * Two Meridian instances sharing their zones through a real 3-node etcd cluster on loopback:
 * an admin change on either is answered by both within a second, concurrent edits never lose
 * an update, losing one etcd node changes nothing, losing all of etcd stops writes (503) but not
 * answers, and both converge when it is back. Health checks stay local to each instance.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { query } from './helpers/client.js';
import { ensureBuilt, runMeridian } from './helpers/process.js';
import { startAdminServe, type AdminServe } from './helpers/admin.js';
import { startBackend, until, type Backend } from './helpers/backends.js';
import { startEtcdCluster, type EtcdCluster } from './helpers/etcd.js';
import { describeWith } from './helpers/tools.js';

const zone = (web: Backend[]) => `# shared through etcd
zone: shared.test.
soa: { mname: ns1.shared.test., rname: hostmaster.shared.test., serial: 1 }
ns: [ns1.shared.test., ns2.shared.test.]
records:
  - { name: ns1, type: A, data: 127.0.0.2 }
  - { name: ns2, type: A, data: 127.0.0.3 }
  - { name: www, pool: web }
pools:
  web:
    algorithm: round-robin
    ttl: 5
    answers: 3
    health: { kind: http, path: /, interval: 300ms, timeout: 200ms, rise: 1, fall: 1 }
    members:
${web.map((b, i) => `      - { name: m${i + 1}, address: 192.0.2.${i + 1}, check-address: ${b.host}, health: { port: ${b.port} } }`).join('\n')}
`;

const Z = '/api/v1/zones/shared.test.';

async function members(port: number): Promise<string[]> {
  const p = await query(port, 'www.shared.test', { timeoutMs: 1000 });
  return (p.answers ?? []).map((a) => String((a as { data: unknown }).data)).sort();
}

describeWith('etcd', 'several instances on etcd', () => {
  let etcd: EtcdCluster;
  let tmp: string;
  let backends: Backend[];
  let ns1: AdminServe;
  let ns2: AdminServe;

  beforeAll(async () => {
    await ensureBuilt();
    tmp = await mkdtemp(join(tmpdir(), 'meridian-etcd-test-'));
    etcd = await startEtcdCluster({ nodes: 3 });
    backends = await Promise.all([startBackend(), startBackend(), startBackend()]);
    const dir = join(tmp, 'seed');
    await mkdir(dir);
    await writeFile(join(dir, 'shared.test.yaml'), zone(backends));
    const seeded = await runMeridian(['etcd', 'import', '--zones', dir, '--etcd', etcd.endpoints.join(',')]);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toBe('imported 1 zone(s) into etcd: shared.test.\n');
    const args = ['--etcd', etcd.endpoints.join(','), '--wait-for-health'];
    [ns1, ns2] = await Promise.all([startAdminServe(join(tmp, 'unused'), { args }), startAdminServe(join(tmp, 'unused'), { args })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([ns1?.m.stop(), ns2?.m.stop()]);
    await Promise.all((backends ?? []).map((b) => b.close()));
    await etcd?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('both instances answer the seeded zone; a drain through ns1 reaches ns2 within a second', async () => {
    const all = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
    expect(await members(ns1.m.port)).toEqual(all);
    expect(await members(ns2.m.port)).toEqual(all);
    const r = await ns1.api('POST', `${Z}/pools/web/members/m2/drain`);
    const acked = Date.now();
    expect(r.status).toBe(200);
    await until('ns2 follows the drain', async () => !(await members(ns2.m.port)).includes('192.0.2.2'), 1000, 2);
    const took = Date.now() - acked;
    console.log(`etcd propagation: drain acknowledged by ns1 → answered by ns2 in ${took} ms`);
    expect(took).toBeLessThan(1000);
    expect(await members(ns1.m.port)).toEqual(['192.0.2.1', '192.0.2.3']);
    const undrain = await ns2.api('POST', `${Z}/pools/web/members/m2/undrain`);
    expect(undrain.status).toBe(200);
    await until('ns1 follows the undrain', async () => (await members(ns1.m.port)).includes('192.0.2.2'), 1000, 5);
  });

  it('concurrent edits: the same If-Match on both instances lets one win and gives the other 409; without it both land', async () => {
    const z = await ns1.api('GET', Z);
    const etag = z.headers.get('etag')!;
    const [a, b] = await Promise.all([
      ns1.api('PATCH', `${Z}/pools/web/members/m1`, { weight: 2 }, { 'if-match': etag }),
      ns2.api('PATCH', `${Z}/pools/web/members/m3`, { weight: 3 }, { 'if-match': etag }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.code).toBe('MERIDIAN_ERR_EDIT_CONFLICT');

    // no If-Match: an instance whose write lost the race redoes the edit on the new text; neither update is lost
    const [c, d] = await Promise.all([
      ns1.api('POST', `${Z}/records`, { name: 'from-ns1', type: 'A', data: '192.0.2.101' }),
      ns2.api('POST', `${Z}/records`, { name: 'from-ns2', type: 'A', data: '192.0.2.102' }),
    ]);
    expect([c.status, d.status]).toEqual([201, 201]);
    expect(c.body.serial).not.toBe(d.body.serial);
    for (const port of [ns1.m.port, ns2.m.port]) {
      await until('both records on both instances', async () => {
        const [x, y] = await Promise.all([query(port, 'from-ns1.shared.test'), query(port, 'from-ns2.shared.test')]);
        return x.rcode === 'NOERROR' && y.rcode === 'NOERROR';
      }, 2000);
    }
  });

  it('one etcd node killed: writes go on; all of etcd stopped: answers go on, writes get 503; back: both converge', async () => {
    etcd.nodes[0].kill();
    const w1 = await ns1.api('POST', `${Z}/records`, { name: 'one-down', type: 'A', data: '192.0.2.111' });
    expect(w1.status).toBe(201);
    await until('ns2 sees it', async () => (await query(ns2.m.port, 'one-down.shared.test')).rcode === 'NOERROR', 3000);
    await etcd.nodes[0].start();

    await etcd.stop();
    expect(await members(ns1.m.port)).toHaveLength(3);
    expect(await members(ns2.m.port)).toHaveLength(3);
    const refused = await ns1.api('POST', `${Z}/records`, { name: 'while-down', type: 'A', data: '192.0.2.112' });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('MERIDIAN_ERR_STORE_UNAVAILABLE');
    const health = await ns2.api('GET', '/healthz');
    expect(health.body.etcd).toMatchObject({ connected: false });

    await etcd.start();
    await until('ns1 can write again', async () => (await ns1.api('POST', `${Z}/records`, { name: 'after', type: 'A', data: '192.0.2.113' })).status === 201, 15_000, 200);
    await until('ns2 converges', async () => (await query(ns2.m.port, 'after.shared.test')).rcode === 'NOERROR', 5000, 50);
    await until('ns2 reports etcd connected', async () => (await ns2.api('GET', '/healthz')).body.etcd?.connected === true, 5000, 50);
    const metrics = String((await ns2.api('GET', '/metrics')).body);
    expect(metrics).toMatch(/^meridian_etcd_connected\{store="etcd"\} 1$/m);
    expect(Number(/^meridian_etcd_revision\{store="etcd"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1);
  }, 60_000);

  it('an instance restarted while etcd is down serves the zones it last saw, then catches up', async () => {
    const args = ['--etcd', etcd.endpoints.join(','), '--wait-for-health'];
    const w = await ns1.api('POST', `${Z}/records`, { name: 'before-outage', type: 'A', data: '192.0.2.121' });
    expect(w.status).toBe(201);
    await until('ns2 has it', async () => (await query(ns2.m.port, 'before-outage.shared.test')).rcode === 'NOERROR', 2000);
    // stopped at once: its copy of the zones is written on the way out, not only 100 ms later
    await ns2.m.stop();
    await etcd.stop();
    ns2 = await startAdminServe(join(tmp, 'unused'), { args, stateDir: ns2.stateDir });
    await ns2.m.waitForLog((l) => l.msg === 'serving the zones last seen in etcd, from the state directory');
    expect((await query(ns2.m.port, 'before-outage.shared.test')).rcode).toBe('NOERROR');
    expect(await members(ns2.m.port)).toHaveLength(3);
    await etcd.start();
    const later = await until('ns1 can write again', async () => (await ns1.api('POST', `${Z}/records`, { name: 'after-outage', type: 'A', data: '192.0.2.122' })).status === 201, 15_000, 200);
    expect(later).toBeGreaterThanOrEqual(0);
    await until('restarted ns2 catches up', async () => (await query(ns2.m.port, 'after-outage.shared.test')).rcode === 'NOERROR', 8000, 50);
  }, 60_000);

  it('etcd export writes every zone back out as a file that loads, with the admin changes in it', async () => {
    const out = join(tmp, 'exported');
    const r = await runMeridian(['etcd', 'export', '--zones', out, '--etcd', etcd.endpoints.join(',')]);
    expect([r.code, r.stdout]).toEqual([0, `exported 1 zone(s) to ${out}: shared.test.\n`]);
    const text = await readFile(join(out, 'shared.test.yaml'), 'utf8');
    expect(text).toContain('# shared through etcd');
    expect(text).toContain('{ name: from-ns1, type: A, data: 192.0.2.101 }');
    const check = await runMeridian(['check', '--zones', out]);
    expect([check.code, check.stdout]).toEqual([0, '1 zone(s) OK: shared.test.\n']);
  });

  it('health stays local to each instance: a dead backend leaves both instances answers', async () => {
    await backends[0].stop();
    for (const s of [ns1, ns2]) await until('m1 out', async () => !(await members(s.m.port)).includes('192.0.2.1'), 3000, 20);
    await backends[0].start();
    for (const s of [ns1, ns2]) await until('m1 back', async () => (await members(s.m.port)).includes('192.0.2.1'), 3000, 20);
  });
});
