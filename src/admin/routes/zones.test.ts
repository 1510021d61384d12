import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminFixture, type AdminFixture } from '../testing.js';

const ZONE = '/api/v1/zones/lb.example.test';

const newZone = {
  zone: 'new.example.test.',
  ttl: 300,
  soa: { mname: 'ns1.new.example.test.', rname: 'hostmaster.example.test.', serial: 2026010101 },
  ns: ['ns1.new.example.test.'],
  records: [
    { name: 'ns1', type: 'A', data: '192.0.2.53' },
    { name: 'www', pool: 'web' },
  ],
  pools: { web: { algorithm: 'round-robin', members: [{ name: 'a-1', address: '192.0.2.1' }] } },
};

/** Every zone file key there is, to check that PUT takes them and GET gives them all back. */
const fullZone = {
  zone: 'full.example.test.',
  ttl: 300,
  soa: { mname: 'ns1.full.example.test.', rname: 'hostmaster.example.test.', serial: 7, refresh: 3600, retry: 600, expire: 604800, minimum: 60, ttl: 600 },
  ns: ['ns1.full.example.test.'],
  records: [
    { name: 'ns1', type: 'A', data: '192.0.2.53' },
    { name: '@', type: 'TXT', class: 'IN', data: ['"a"', '"b"'], ttl: 60 },
    { name: 'www', pool: 'web' },
  ],
  geoip: { 'default-site': 'fra' },
  sites: { fra: { lat: 50.11, lon: 8.68, countries: ['DE'] }, iad: { lat: 38.95, lon: -77.45, continents: ['NA'] } },
  pools: {
    web: {
      algorithm: 'least-connections',
      ttl: 20,
      answers: 1,
      fallback: { pool: 'spare' },
      geo: 'nearest',
      'sites-per-answer': 1,
      health: {
        kind: 'http', port: 8080, path: '/healthz', host: 'www', expect: { status: [200, 204], body: 'ok' }, interval: '5s', timeout: '2s',
        rise: 2, fall: 3, initial: 'up', load: { kind: 'json', path: '/stats', field: 'conn.active', 'max-age': '15s' },
      },
      members: [
        { name: 'fra-1', address: '198.51.100.10', weight: 3, site: 'fra', 'check-address': '10.0.0.10', health: { port: 8081, expect: { status: 200 } } },
        { name: 'iad-1', address: '203.0.113.10', site: 'iad', enabled: false, drained: true },
      ],
    },
    spare: { algorithm: 'ip-hash', 'hash-prefix': { v4: 24, v6: 56 }, fallback: 'none', empty: 'servfail', members: [{ name: 's-1', address: '192.0.2.100' }] },
  },
};

/** A view as JSON, without the times that move between two reads. */
const stable = (view: unknown) => JSON.parse(JSON.stringify(view, (k, v) => (k === 'safeAfter' || k === 'uptimeSeconds' ? undefined : v)));

describe('/api/v1/zones', () => {
  let f: AdminFixture;
  beforeEach(async () => {
    f = await adminFixture();
  });
  afterEach(() => f.close());

  it('GET lists the zones with serial, ETag and counts', async () => {
    const r = await f.call('GET', '/api/v1/zones');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      zones: [{ zone: 'lb.example.test.', serial: 2026112501, etag: expect.any(String), file: join(f.dir, 'lb.example.test.yaml'), records: 22, pools: 3 }],
    });
  });

  it('GET one zone: its document, pools with member state, and its ETag as a header', async () => {
    const r = await f.call('GET', ZONE);
    expect(r.statusCode).toBe(200);
    const view = r.json();
    expect(r.headers.etag).toBe(`"${view.etag}"`);
    expect(view).toMatchObject({ zone: 'lb.example.test.', serial: 2026112501, records: 22 });
    expect(view.document).toMatchObject({ zone: 'lb.example.test.', soa: { serial: 2026112501 }, pools: { web: { algorithm: 'weighted-round-robin' } } });
    expect(view.document.records).toContainEqual({ name: '@', type: 'CAA', data: ['0 issue "letsencrypt.org"', '0 iodef "mailto:hostmaster@example.test"'] });
    expect(view.pools.map((p: { name: string }) => p.name)).toEqual(['web', 'backup', 'backup-only']);
    expect(view.pools[0]).toMatchObject({ zone: 'lb.example.test.', name: 'web', algorithm: 'weighted-round-robin', ttl: 20, answers: 1, geo: 'none', fallback: { pool: 'backup' } });
    expect(view.pools[0].members[2]).toEqual({
      name: 'iad-1',
      address: '203.0.113.10',
      weight: 1,
      site: 'iad',
      enabled: false,
      drained: false,
      eligible: false,
      reason: 'enabled: false',
      health: { state: 'unchecked' },
      answers: 0,
      lastAnswered: null,
    });
    // the name in the URL may omit the final dot and differ in case
    expect((await f.call('GET', '/api/v1/zones/LB.Example.Test.')).json().etag).toBe(view.etag);
  });

  it('PUT creates a zone (201) and replaces it (200); the ETag it returns is the one GET shows', async () => {
    const created = await f.call('PUT', '/api/v1/zones/new.example.test', { body: newZone });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(c).toEqual({ zone: 'new.example.test.', serial: 2026010101, etag: expect.any(String), created: true });
    expect(created.headers.etag).toBe(`"${c.etag}"`);
    expect((await stat(join(f.dir, 'new.example.test.yaml'))).isFile()).toBe(true);
    const got = await f.call('GET', '/api/v1/zones/new.example.test');
    expect(got.headers.etag).toBe(`"${c.etag}"`);
    expect(f.service.explain({ name: 'www.new.example.test' }).answer).toEqual(['www.new.example.test. 30 IN A 192.0.2.1']);

    const body = { ...newZone, records: [...newZone.records, { name: 'mail', type: 'A', data: '192.0.2.25' }] };
    const replaced = await f.call('PUT', '/api/v1/zones/new.example.test', { body, headers: { 'if-match': `"${c.etag}"` } });
    expect(replaced.statusCode).toBe(200);
    const rep = replaced.json();
    expect(rep).toMatchObject({ zone: 'new.example.test.', created: false });
    expect(rep.serial).toBeGreaterThan(c.serial); // a replacement never goes back in serial
    expect(rep.etag).not.toBe(c.etag);
    expect((await f.call('GET', '/api/v1/zones/new.example.test')).headers.etag).toBe(`"${rep.etag}"`);
  });

  it('PUT takes every key of a zone file and GET gives each back, the response dropping nothing the service returns', async () => {
    const put = await f.call('PUT', '/api/v1/zones/full.example.test', { body: fullZone });
    expect(put.statusCode).toBe(201);
    const got = await f.call('GET', '/api/v1/zones/full.example.test');
    expect(got.json().document).toEqual(fullZone);
    expect(stable(got.json())).toEqual(stable(await f.service.getZone('full.example.test')));
    expect(got.json().pools[0].members[1]).toMatchObject({ name: 'iad-1', drained: true, safeAfter: expect.any(String) });
    // and the document goes back in unchanged
    const again = await f.call('PUT', '/api/v1/zones/full.example.test', { body: got.json().document });
    expect(again.statusCode).toBe(200);
  });

  it('PUT refuses a body whose zone is not the one in the URL', async () => {
    const r = await f.call('PUT', '/api/v1/zones/other.example.test', { body: newZone });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems).toEqual([{ field: 'body.zone', message: 'must be other.example.test' }]);
  });

  it('honours If-Match: a stale ETag is a 409 EDIT_CONFLICT, the current one (quoted, weak or bare) passes, * needs the zone', async () => {
    const { etag } = (await f.call('GET', ZONE)).json();
    const doc = (await f.call('GET', ZONE)).json().document;
    const stale = await f.call('PUT', ZONE, { body: doc, headers: { 'if-match': '"not-the-etag"' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'MERIDIAN_ERR_EDIT_CONFLICT', error: 'Conflict' });
    const ok = await f.call('PUT', ZONE, { body: doc, headers: { 'if-match': `W/"${etag}"` } });
    expect(ok.statusCode).toBe(200);
    expect((await f.call('PUT', ZONE, { body: doc, headers: { 'if-match': ok.json().etag } })).statusCode).toBe(200);
    expect((await f.call('PUT', ZONE, { body: doc, headers: { 'if-match': '*' } })).statusCode).toBe(200);
    const none = await f.call('PUT', '/api/v1/zones/new.example.test', { body: newZone, headers: { 'if-match': '*' } });
    expect(none.statusCode).toBe(409);
    const two = await f.call('PUT', ZONE, { body: doc, headers: { 'if-match': '"a", "b"' } });
    expect(two.statusCode).toBe(400);
    expect(two.json().problems).toEqual([{ field: 'headers.if-match', message: 'must be one ETag ("<etag>") or *' }]);
  });

  it('DELETE removes the zone (204): it is no longer served and its file is gone', async () => {
    const stale = await f.call('DELETE', ZONE, { headers: { 'if-match': '"old"' } });
    expect(stale.statusCode).toBe(409);
    const r = await f.call('DELETE', ZONE);
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    expect((await f.call('GET', ZONE)).statusCode).toBe(404);
    expect((await f.call('GET', '/api/v1/zones')).json()).toEqual({ zones: [] });
    expect(f.service.explain({ name: 'www.lb.example.test' }).rcode).toBe('REFUSED');
    await expect(readFile(join(f.dir, 'lb.example.test.yaml'))).rejects.toThrow(/ENOENT/);
  });
});
