/**
 * The admin API as an operator uses it: `meridian serve` in a child process, changes over real
 * HTTP, answers checked over real DNS (UDP), the zone file checked on disk, and a restart to show
 * the change stayed.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { query, rr } from './helpers/client.js';
import { ensureBuilt } from './helpers/process.js';
import { apiCall, startAdminServe, TOKEN, type AdminServe } from './helpers/admin.js';

const ZONE = `# lb.test: the admin API test zone
zone: lb.test.
ttl: 300
soa: { mname: ns1.lb.test., rname: hostmaster.lb.test., serial: 7 }
ns: [ns1.lb.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }   # the name server
  - { name: www, pool: web }                    # served from pool web
pools:
  web:
    algorithm: round-robin
    ttl: 20
    members:
      - { name: a, address: 192.0.2.1 }
      - { name: b, address: 192.0.2.2 }   # the one we drain
      - { name: c, address: 192.0.2.3 }
  busy:
    algorithm: least-connections
    ttl: 10
    members:
      - { name: x, address: 192.0.2.11 }
      - { name: y, address: 192.0.2.12 }
`;

const Z = '/api/v1/zones/lb.test.';
let tmp: string;
let dir: string;
let s: AdminServe | undefined;

beforeAll(async () => {
  await ensureBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'meridian-admin-e2e-'));
}, 180_000);
afterEach(async () => {
  await s?.m.stop();
  s = undefined;
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function serve(opts: Parameters<typeof startAdminServe>[1] = {}): Promise<AdminServe> {
  dir = await mkdtemp(join(tmp, 'zones-'));
  await writeFile(join(dir, 'lb.test.yaml'), ZONE);
  s = await startAdminServe(dir, opts);
  return s;
}

async function addresses(port: number, name: string, type = 'A'): Promise<string[]> {
  const p = await query(port, name, { type });
  expect(p.rcode).toBe('NOERROR');
  return (p.answers ?? []).map((a) => String((a as { data: unknown }).data));
}

async function soaSerial(port: number): Promise<number> {
  const p = await query(port, 'lb.test', { type: 'SOA' });
  return ((p.answers![0] as { data: unknown }).data as { serial: number }).serial;
}

describe('drain', () => {
  it('takes the member out of the very next answers, says when it is safe, and undrain brings it back', async () => {
    const { m, api } = await serve();
    for (let i = 0; i < 6; i++) await addresses(m.port, 'www.lb.test');
    const before = Date.now();
    const r = await api('POST', `${Z}/pools/web/members/b/drain`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ zone: 'lb.test.', serial: 8, drained: true });
    expect(r.headers.get('etag')).toBe(`"${r.body.etag}"`);
    // b was answered just before: safe once those answers' 20 s TTL has run out
    const last = Date.parse(r.body.lastAnswered);
    expect(last).toBeLessThanOrEqual(before);
    expect(Date.parse(r.body.safeAfter) - last).toBe(20_000);

    const seen = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const p = await query(m.port, 'www.lb.test');
      expect(p.rcode).toBe('NOERROR');
      expect(p.answers).toHaveLength(1);
      const only = p.answers![0] as { ttl: number; data: unknown };
      expect(only.ttl).toBe(20);
      const a = String(only.data);
      seen.set(a, (seen.get(a) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['192.0.2.1', '192.0.2.3']);
    expect(seen.get('192.0.2.1')).toBe(500);

    // persisted in the file, the operator's comments kept; the serial moved
    const text = await readFile(join(dir, 'lb.test.yaml'), 'utf8');
    expect(text).toContain('# the one we drain');
    expect(text).toContain('# lb.test: the admin API test zone');
    expect(text).toMatch(/- \{ name: b, address: 192\.0\.2\.2, drained: true \}/);
    expect(await soaSerial(m.port)).toBe(8);

    const pool = await api('GET', `${Z}/pools/web`);
    expect(pool.status).toBe(200);
    const b = pool.body.members.find((x: { name: string }) => x.name === 'b');
    expect(b).toMatchObject({ drained: true, eligible: false, reason: 'drained', safeAfter: r.body.safeAfter });

    // a second drain changes nothing: same serial, same ETag
    const again = await api('POST', `${Z}/pools/web/members/b/drain`);
    expect(again.body).toMatchObject({ serial: 8, etag: r.body.etag });

    const u = await api('POST', `${Z}/pools/web/members/b/undrain`);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ serial: 9, drained: false });
    const next = new Set<string>();
    for (let i = 0; i < 3; i++) next.add((await addresses(m.port, 'www.lb.test'))[0]);
    expect([...next].sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(await readFile(join(dir, 'lb.test.yaml'), 'utf8')).toContain('- { name: b, address: 192.0.2.2 }   # the one we drain');
  });
});

describe('records and members', () => {
  it('answer the change at once, bump the serial each time, and survive a restart', async () => {
    const { m, api } = await serve();
    const add = await api('POST', `${Z}/records`, { name: 'api', type: 'A', data: '192.0.2.80', ttl: 60 });
    expect(add.status).toBe(201);
    expect(add.body.serial).toBe(8);
    expect((await query(m.port, 'api.lb.test')).answers!.map(rr)).toEqual(['api.lb.test. 60 IN A 192.0.2.80']);

    const put = await api('PUT', `${Z}/records/api/A`, { records: [{ data: ['192.0.2.81', '192.0.2.82'], ttl: 30 }] });
    expect(put.status).toBe(200);
    expect(put.body.serial).toBe(9);
    expect((await addresses(m.port, 'api.lb.test')).sort()).toEqual(['192.0.2.81', '192.0.2.82']);

    const member = await api('POST', `${Z}/pools/web/members`, { name: 'd', address: '192.0.2.4' });
    expect(member.status).toBe(201);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await addresses(m.port, 'www.lb.test'))[0]);
    expect(seen.size).toBe(4);

    const patch = await api('PATCH', `${Z}/pools/web/members/d`, { address: '192.0.2.44' });
    expect(patch.status).toBe(200);
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add((await addresses(m.port, 'www.lb.test'))[0]);
    expect([...after].sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.44']);

    const del = await api('DELETE', `${Z}/records/api/A`);
    expect(del.status).toBe(200);
    expect(del.body.serial).toBe(12);
    expect((await query(m.port, 'api.lb.test')).rcode).toBe('NXDOMAIN');

    // restart: everything acknowledged is still there
    await m.stop();
    s = await startAdminServe(dir, { stateDir: s!.stateDir });
    expect(await soaSerial(s.m.port)).toBe(12);
    const again = new Set<string>();
    for (let i = 0; i < 4; i++) again.add((await addresses(s.m.port, 'www.lb.test'))[0]);
    expect(again.has('192.0.2.44')).toBe(true);
  });

  it('rejects a bad change with 400 naming the field, and changes nothing', async () => {
    const { m, api } = await serve();
    const file = join(dir, 'lb.test.yaml');
    const before = await readFile(file, 'utf8');
    const r = await api('POST', `${Z}/pools/web/members`, { name: 'x', address: '300.1.1.1' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('MERIDIAN_ERR_REQUEST_INVALID');
    expect(r.body.problems.map((p: { field: string }) => p.field)).toEqual(['body.address']);
    const w = await api('PATCH', `${Z}/pools/web/members/a`, { weight: -1 });
    expect(w.status).toBe(400);
    expect(JSON.stringify(w.body.problems)).toContain('body.weight');
    const cname = await api('POST', `${Z}/records`, { name: 'ns1', type: 'CNAME', data: 'www' });
    expect(cname.status).toBe(400);
    const outside = await api('POST', `${Z}/records`, { name: 'www.example.org.', type: 'A', data: '192.0.2.9' });
    expect(outside.status).toBe(400);
    expect(outside.body.problems[0].field).toBe('body.name');
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await soaSerial(m.port)).toBe(7);
    expect((await api('GET', `${Z}/pools/nope`)).status).toBe(404);
    expect((await api('POST', `/api/v1/zones/nope.test./pools/web/members/a/drain`)).status).toBe(404);
  });

  it('If-Match: a stale ETag is refused with 409, the current one accepted', async () => {
    const { api } = await serve();
    const z = await api('GET', Z);
    expect(z.status).toBe(200);
    const etag = z.headers.get('etag')!;
    expect(etag).toBe(`"${z.body.etag}"`);
    const first = await api('PATCH', `${Z}/pools/web/members/a`, { weight: 3 }, { 'if-match': etag });
    expect(first.body).toMatchObject({ zone: "lb.test." });
    expect(first.status).toBe(200);
    const second = await api('PATCH', `${Z}/pools/web/members/c`, { weight: 4 }, { 'if-match': etag });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('MERIDIAN_ERR_EDIT_CONFLICT');
    const third = await api('PATCH', `${Z}/pools/web/members/c`, { weight: 4 }, { 'if-match': `"${first.body.etag}"` });
    expect(third.status).toBe(200);
  });
});

describe('load push and audit', () => {
  it('a pushed figure steers least-connections, shows in the pool view, and every change is audited', async () => {
    const { m, api } = await serve();
    const push = await api('PUT', `${Z}/pools/busy/members/x/load`, { connections: 900, capacity: 1000 });
    expect(push.status).toBe(200);
    expect(Date.parse(push.body.expires) - Date.parse(push.body.at)).toBe(15_000);
    await api('PUT', `${Z}/pools/busy/members/y/load`, { connections: 10 });
    for (let i = 0; i < 20; i++) expect(await addresses(m.port, 'busy.lb.test').catch(() => [])).not.toContain('192.0.2.11');
    const pool = await api('GET', `${Z}/pools/busy`);
    expect(pool.body.members[0].load).toMatchObject({ connections: 900, capacity: 1000, source: 'push', fresh: true });

    await api('POST', `${Z}/pools/web/members/a/drain`);
    const line = await m.waitForLog((l) => (l.audit as { action?: string } | undefined)?.action === 'drain member');
    expect(line.audit).toMatchObject({ by: 'env', zone: 'lb.test.', before: { pool: 'web', member: 'a', drained: false }, after: { pool: 'web', member: 'a', drained: true }, serial: 8 });
  });
});

describe('tokens', () => {
  it('without a configured token generates one in the state directory (mode 0600) and requires it', async () => {
    const { url, stateDir, m } = await serve({ token: null });
    const warn = await m.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('generated'));
    const file = join(stateDir, 'admin-token');
    expect(warn.file).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).split('\n').find((l) => l && !l.startsWith('#'))!.trim().split(/\s+/)[1];
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await apiCall(url, null, 'GET', '/api/v1/zones')).status).toBe(401);
    expect((await apiCall(url, TOKEN, 'GET', '/api/v1/zones')).status).toBe(401);
    const ok = await apiCall(url, token, 'GET', '/api/v1/zones');
    expect(ok.status).toBe(200);
    expect(ok.body.zones.map((z: { zone: string }) => z.zone)).toEqual(['lb.test.']);
    expect((await apiCall(url, null, 'GET', '/healthz')).status).toBe(200);
    const metrics = await apiCall(url, null, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('meridian_queries_total');
  });
});

describe('with --workers 2', () => {
  it('one worker serves the API and every worker answers the change before it is acknowledged', async () => {
    // --no-watch: only the relay through the primary can tell the other worker
    const { m, api } = await serve({ args: ['--workers', '2', '--no-watch'] });
    await m.waitForLog((l) => l.msg === 'all workers serving');
    expect(m.logs().filter((l) => l.msg === 'admin API listening')).toHaveLength(1);
    const t0 = Date.now();
    const r = await api('POST', `${Z}/pools/web/members/b/drain`);
    expect(r.status).toBe(200);
    // another worker may have named b until the drain reached it: safe one TTL after the answer
    expect(Date.parse(r.body.safeAfter)).toBeGreaterThanOrEqual(t0 + 20_000);
    for (let i = 0; i < 200; i++) expect(await addresses(m.port, 'www.lb.test')).not.toContain('192.0.2.2');
    const add = await api('POST', `${Z}/records`, { name: 'new', type: 'A', data: '192.0.2.90' });
    expect(add.status).toBe(201);
    for (let i = 0; i < 40; i++) expect(await addresses(m.port, 'new.lb.test')).toEqual(['192.0.2.90']);
  });
});

describe('whole zones', () => {
  it('PUT creates a zone file and serves it, PUT again replaces it with a newer serial, DELETE removes it', async () => {
    const { m, api } = await serve();
    const doc = {
      zone: 'new.test.',
      ttl: 120,
      soa: { mname: 'ns1.new.test.', rname: 'hostmaster.new.test.', serial: 5 },
      ns: ['ns1.new.test.'],
      records: [
        { name: 'ns1', type: 'A', data: '192.0.2.53' },
        { name: 'www', pool: 'web' },
      ],
      pools: { web: { algorithm: 'weighted-round-robin', ttl: 15, members: [{ name: 'one', address: '192.0.2.71', weight: 2 }] } },
    };
    expect((await query(m.port, 'www.new.test')).rcode).toBe('REFUSED');
    const created = await api('PUT', '/api/v1/zones/new.test.', doc);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ zone: 'new.test.', serial: 5, created: true });
    expect((await query(m.port, 'www.new.test')).answers!.map(rr)).toEqual(['www.new.test. 15 IN A 192.0.2.71']);
    const file = join(dir, 'new.test.yaml');
    expect(await readFile(file, 'utf8')).toContain('zone: new.test.');

    // the same body again: a replacement must still move the serial forward
    const replaced = await api('PUT', '/api/v1/zones/new.test', { ...doc, ttl: 60 }, { 'if-match': `"${created.body.etag}"` });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ serial: 6, created: false });
    expect(await soaSerialOf(m.port, 'new.test')).toBe(6);

    const mismatch = await api('PUT', '/api/v1/zones/new.test.', { ...doc, zone: 'other.test.' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.problems[0].field).toBe('body.zone');
    const bad = await api('PUT', '/api/v1/zones/new.test.', { ...doc, pools: { web: { algorithm: 'fastest', members: doc.pools.web.members } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.problems)).toContain('body.pools.web.algorithm');

    const del = await api('DELETE', '/api/v1/zones/new.test.');
    expect(del.status).toBe(204);
    expect((await query(m.port, 'www.new.test')).rcode).toBe('REFUSED');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    expect((await api('GET', '/api/v1/zones/new.test.')).status).toBe(404);
  });
});

async function soaSerialOf(port: number, zone: string): Promise<number> {
  const p = await query(port, zone, { type: 'SOA' });
  return ((p.answers![0] as { data: unknown }).data as { serial: number }).serial;
}

describe('RRset replacement', () => {
  it('names the body field of a bad record in the new RRset', async () => {
    const { api } = await serve();
    const r = await api('PUT', `${Z}/records/ns1/A`, { records: [{ data: '192.0.2.53' }, { data: 'not-an-address' }] });
    expect(r.status).toBe(400);
    expect(r.body.problems.map((p: { field: string }) => p.field)).toEqual(['body.records[1].data']);
  });
});
