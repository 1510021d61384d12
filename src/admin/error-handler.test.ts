import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFixture, captureLogger, type AdminFixture } from './testing.js';

const ZONE = '/api/v1/zones/lb.example.test';
const POOL = `${ZONE}/pools/web`;

/** The example zone as the JSON body of PUT /zones/lb.example.test (GET's document). */
async function exampleZone(f: AdminFixture): Promise<Record<string, any>> {
  return (await f.call('GET', ZONE)).json().document as Record<string, any>;
}

describe('admin API errors', () => {
  let f: AdminFixture;
  const log = captureLogger();
  beforeAll(async () => {
    f = await adminFixture({
      logger: log.logger,
      // a bug inside the service, as the routes would meet it
      wrap: (s) => ({ ...s, explain: () => { throw new TypeError("Cannot read properties of undefined (reading 'pools')"); } }),
    });
  });
  afterAll(() => f.close());

  it('names the failing field of a body: weight -1 → body.weight', async () => {
    const r = await f.call('PATCH', `${POOL}/members/fra-1`, { body: { weight: -1 } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      statusCode: 400,
      code: 'MERIDIAN_ERR_REQUEST_INVALID',
      error: 'Bad Request',
      message: 'invalid request: body.weight: -1 is out of range (0..1000000)',
      problems: [{ field: 'body.weight', message: '-1 is out of range (0..1000000)' }],
    });
  });

  it('rejects unknown keys instead of dropping them, listing every problem', async () => {
    const r = await f.call('POST', `${POOL}/members`, { body: { name: 'x-1', address: '192.0.2.9', weight: 'heavy', colour: 'red' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems).toEqual([
      { field: 'body.colour', message: 'unknown key' },
      { field: 'body.weight', message: '"heavy" is not a whole number' },
    ]);
  });

  it('does not coerce body types: "5" is not a weight', async () => {
    const r = await f.call('PATCH', `${POOL}/members/fra-1`, { body: { weight: '5', enabled: 'false' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems.map((p: { field: string }) => p.field)).toEqual(['body.weight', 'body.enabled']);
  });

  it('names nested fields of a whole zone: an unknown algorithm, a member without address', async () => {
    const doc = await exampleZone(f);
    doc.pools.web.algorithm = 'fastest';
    delete doc.pools.backup.members[1].address;
    const r = await f.call('PUT', ZONE, { body: doc });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems).toEqual([
      { field: 'body.pools.web.algorithm', message: expect.stringMatching(/^"fastest" is not one of: round-robin, weighted-round-robin, /) },
      { field: 'body.pools.backup.members[1].address', message: 'missing (required)' },
    ]);
  });

  it("reports the service's zone validation with the body field: a bad IP address", async () => {
    const r = await f.call('POST', `${POOL}/members`, { body: { name: 'x-1', address: '198.51.100.300' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'MERIDIAN_ERR_REQUEST_INVALID',
      problems: [{ field: 'body.address', message: '"198.51.100.300" is not an IPv4 or IPv6 address' }],
    });
    const doc = await exampleZone(f);
    doc.pools.web.members[0].address = '300.1.1.1';
    const put = await f.call('PUT', ZONE, { body: doc });
    expect(put.statusCode).toBe(400);
    expect(put.json().problems).toContainEqual(expect.objectContaining({ field: 'body.pools.web.members[0].address' }));
  });

  it('names params and querystring fields', async () => {
    const zone = await f.call('GET', '/api/v1/zones/a..b');
    expect(zone.statusCode).toBe(400);
    expect(zone.json().problems).toEqual([{ field: 'params.zone', message: 'empty label in "a..b."' }]);
    const type = await f.call('DELETE', `${ZONE}/records/www/A%20B`);
    expect(type.json().problems).toEqual([{ field: 'params.type', message: expect.stringMatching(/^"A B" does not match/) }]);
    const missing = await f.call('GET', '/api/v1/explain?type=A');
    expect(missing.json().problems).toEqual([{ field: 'querystring.name', message: 'missing (required)' }]);
    const extra = await f.call('GET', '/api/v1/explain?name=x&colour=red');
    expect(extra.json().problems).toEqual([{ field: 'querystring.colour', message: 'unknown key' }]);
    const load = await f.call('PUT', `${POOL}/members/fra-1/load`, { body: { connections: 1.5, capacity: 0 } });
    expect(load.json().problems.map((p: { field: string }) => p.field)).toEqual(['body.connections', 'body.capacity']);
  });

  it('answers malformed JSON with 400, other content types with 415, never 500', async () => {
    const bad = await f.call('POST', `${ZONE}/records`, { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'MERIDIAN_ERR_REQUEST_INVALID', error: 'Bad Request' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/yaml']) {
      const r = await f.call('POST', `${ZONE}/records`, { body: 'name: www', headers: { 'content-type': type } });
      expect(r.statusCode, type).toBe(415);
      expect(r.json()).toMatchObject({ code: 'MERIDIAN_ERR_REQUEST_INVALID', error: 'Unsupported Media Type' });
    }
    const list = await f.call('POST', `${ZONE}/records`, { body: [1, 2] });
    expect(list.statusCode).toBe(400);
    expect(list.json().problems).toEqual([{ field: 'body', message: '[1,2] is not an object' }]);
    const none = await f.call('POST', `${ZONE}/records`, { body: '', headers: { 'content-type': 'application/json' } });
    expect(none.statusCode).toBe(400);
    expect(none.json().problems).toEqual([{ field: 'body', message: 'missing: a JSON body is required' }]);
  });

  it('answers 404 with the error body for unknown routes, zones, pools and members', async () => {
    const cases: Array<[string, string]> = [
      ['/nothing', 'no route GET /nothing'],
      ['/api/v1/zones/nope.test', 'no zone nope.test'],
      [`${ZONE}/pools/nope`, 'no pool "nope" in zone lb.example.test.'],
      [`/api/v1/zones/${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.test`, `no zone ${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.test`],
    ];
    for (const [url, message] of cases) {
      const r = await f.call('GET', url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json()).toEqual({ statusCode: 404, code: 'MERIDIAN_ERR_NOT_FOUND', error: 'Not Found', message, problems: [] });
    }
    const member = await f.call('POST', `${POOL}/members/nope/drain`);
    expect(member.statusCode).toBe(404);
    expect(member.json().code).toBe('MERIDIAN_ERR_NOT_FOUND');
  });

  it('answers an unexpected error with a generic 500 and logs the error', async () => {
    const r = await f.call('GET', '/api/v1/explain?name=api.lb.example.test');
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ statusCode: 500, code: 'MERIDIAN_ERR_INTERNAL', error: 'Internal Server Error', message: 'internal error: see the server log', problems: [] });
    const line = log.lines.find((l) => l.msg === 'admin: unexpected error');
    expect(line).toMatchObject({ level: 50, err: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'pools')" } });
  });
});
