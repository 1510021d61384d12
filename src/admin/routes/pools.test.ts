import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminFixture, type AdminFixture } from '../testing.js';

const ZONE = '/api/v1/zones/lb.example.test';
const POOL = `${ZONE}/pools/web`;

/** A loopback TCP port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/api/v1/zones/:zone/pools', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture();
  });
  afterAll(() => f.close());

  const member = async (name: string) => ((await f.call('GET', POOL)).json().members as Array<Record<string, unknown>>).find((m) => m.name === name);
  const answers = (n: number) => Array.from({ length: n }, () => f.service.explain({ name: 'api.lb.example.test', type: 'A' }).answer).flat();

  it('GET a pool: algorithm, TTL, fallback and its members with state', async () => {
    const r = await f.call('GET', POOL);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ zone: 'lb.example.test.', name: 'web', algorithm: 'weighted-round-robin', ttl: 20, answers: 1, geo: 'none', fallback: { pool: 'backup' } });
    expect(r.json().members.map((m: { name: string }) => m.name)).toEqual(['fra-1', 'fra-2', 'iad-1']);
    expect((await f.call('GET', `${ZONE}/pools/backup`)).json().fallback).toBe('none (servfail)');
  });

  it('POST adds a member (201); a taken name is a 409', async () => {
    const r = await f.call('POST', `${POOL}/members`, { body: { name: 'fra-3', address: '198.51.100.12', weight: 2, site: 'fra' } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({ zone: 'lb.example.test.', serial: expect.any(Number), etag: expect.any(String) });
    expect(await member('fra-3')).toMatchObject({ address: '198.51.100.12', weight: 2, site: 'fra', enabled: true, eligible: true });
    const again = await f.call('POST', `${POOL}/members`, { body: { name: 'fra-3', address: '198.51.100.13' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('MERIDIAN_ERR_ALREADY_EXISTS');
  });

  it('PATCH changes a member (200); null removes site and check-address; merge-patch+json is JSON too', async () => {
    const r = await f.call('PATCH', `${POOL}/members/fra-3`, { body: { weight: 5, 'check-address': '10.0.0.12' } });
    expect(r.statusCode).toBe(200);
    expect(await member('fra-3')).toMatchObject({ weight: 5, site: 'fra', checkAddress: '10.0.0.12' });
    const removed = await f.call('PATCH', `${POOL}/members/fra-3`, {
      body: JSON.stringify({ site: null, 'check-address': null, enabled: false }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(removed.statusCode).toBe(200);
    const m = await member('fra-3');
    expect(m).toMatchObject({ weight: 5, enabled: false, eligible: false });
    expect(m).not.toHaveProperty('site');
    expect(m).not.toHaveProperty('checkAddress');
    const none = await f.call('PATCH', `${POOL}/members/fra-3`, { body: {} });
    expect(none.statusCode).toBe(400);
    expect(none.json().problems).toEqual([{ field: 'body', message: 'must set at least 1 key(s)' }]);
    const rename = await f.call('PATCH', `${POOL}/members/fra-3`, { body: { name: 'fra-4' } });
    expect(rename.json().problems).toEqual([{ field: 'body.name', message: 'unknown key' }]);
  });

  it('DELETE removes a member (200); then it is a 404', async () => {
    expect((await f.call('DELETE', `${POOL}/members/fra-3`)).statusCode).toBe(200);
    expect(await member('fra-3')).toBeUndefined();
    const again = await f.call('DELETE', `${POOL}/members/fra-3`);
    expect(again.statusCode).toBe(404);
  });

  it('drain takes a member out of the next answers and says when it is safe to stop it; undrain brings it back', async () => {
    expect(answers(3)).toContain('api.lb.example.test. 20 IN A 198.51.100.10');
    const r = await f.call('POST', `${POOL}/members/fra-1/drain`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ zone: 'lb.example.test.', serial: expect.any(Number), etag: expect.any(String), drained: true, lastAnswered: null, safeAfter: expect.any(String) });
    expect(Date.parse(r.json().safeAfter)).toBeLessThanOrEqual(Date.now());
    expect(r.headers.etag).toBe(`"${r.json().etag}"`);
    expect(answers(20)).not.toContain('api.lb.example.test. 20 IN A 198.51.100.10');
    expect(await member('fra-1')).toMatchObject({ drained: true, eligible: false, safeAfter: expect.any(String) });

    const back = await f.call('POST', `${POOL}/members/fra-1/undrain`, { headers: { 'content-type': 'application/json' } });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ drained: false, serial: r.json().serial + 1 });
    expect(answers(3)).toContain('api.lb.example.test. 20 IN A 198.51.100.10');
  });

  it('PUT …/load takes a pushed load figure (200), shown on the member until it expires', async () => {
    const r = await f.call('PUT', `${POOL}/members/fra-1/load`, { body: { connections: 812, capacity: 5000 } });
    expect(r.statusCode).toBe(200);
    const { at, expires } = r.json();
    expect(Date.parse(expires)).toBeGreaterThan(Date.parse(at));
    expect((await member('fra-1'))?.load).toEqual({ connections: 812, capacity: 5000, at, source: 'push', fresh: true });
    const negative = await f.call('PUT', `${POOL}/members/fra-1/load`, { body: { connections: -1 } });
    expect(negative.json().problems).toEqual([{ field: 'body.connections', message: '-1 is out of range (0..)' }]);
    expect((await f.call('PUT', `${POOL}/members/nope/load`, { body: { connections: 1 } })).statusCode).toBe(404);
  });
});

describe('pool members with health checks', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture({ health: true });
  });
  afterAll(() => f.close());

  it('show health state, the last probe and its latency, in the pool and in /metrics', async () => {
    const port = await closedPort();
    const doc = (await f.call('GET', ZONE)).json().document;
    doc.pools['backup-only'].health = { kind: 'tcp', port, interval: '1s', timeout: '500ms' };
    doc.pools['backup-only'].members[0].address = '127.0.0.1';
    expect((await f.call('PUT', ZONE, { body: doc })).statusCode).toBe(200);
    // the first probe of a new member runs at once; its result decides
    const view = await vi.waitFor(
      async () => {
        const v = (await f.call('GET', `${ZONE}/pools/backup-only`)).json();
        if (!v.members[0].health.last) throw new Error('not probed yet');
        return v;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(view.members[0]).toMatchObject({
      name: 'status-1',
      eligible: false,
      health: { state: 'down', since: expect.any(String), last: { ok: false, latencyMs: expect.any(Number), detail: expect.any(String), at: expect.any(String) } },
    });
    const metrics = (await f.call('GET', '/metrics', { token: null })).body;
    expect(metrics).toMatch(/^meridian_member_up\{zone="lb\.example\.test\.",pool="backup-only",member="status-1"\} 0$/m);
    expect(metrics).toMatch(/^meridian_member_health_state\{zone="lb\.example\.test\.",pool="backup-only",member="status-1",state="down"\} 1$/m);
    expect(metrics).toMatch(/^meridian_member_probe_latency_seconds\{zone="lb\.example\.test\.",pool="backup-only",member="status-1"\} [0-9.e-]+$/m);
  });
});
